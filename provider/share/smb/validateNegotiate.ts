/**
 * FSCTL_VALIDATE_NEGOTIATE_INFO (MS-SMB2 2.2.31.4, 3.2.5.14.12): on 3.0/3.0.2 the signed answer
 * repeats what the server saw in NEGOTIATE, so a man in the middle who altered it (a lower
 * dialect, signing no longer required, capabilities) is caught before any file is touched.
 */
import { Command, SecurityMode, Status } from "./constants";
import type { SmbConnection } from "./connection";
import { SmbProtocolError } from "./errors";
import { HEADER_SIZE } from "./header";
import { clientCapabilities, dialectName, NegotiateResult } from "./negotiate";

const FSCTL_VALIDATE_NEGOTIATE_INFO = 0x00140204;
const IOCTL_IS_FSCTL = 1;

export function validateNegotiateBody(dialects: number[], requireSigning: boolean, clientGuid: Buffer): Buffer {
  const input = Buffer.alloc(24 + dialects.length * 2);
  input.writeUInt32LE(clientCapabilities(dialects), 0);
  clientGuid.copy(input, 4);
  input.writeUInt16LE(SecurityMode.SIGNING_ENABLED | (requireSigning ? SecurityMode.SIGNING_REQUIRED : 0), 20);
  input.writeUInt16LE(dialects.length, 22);
  dialects.forEach((d, i) => input.writeUInt16LE(d, 24 + i * 2));
  const b = Buffer.alloc(56 + input.length);
  b.writeUInt16LE(57, 0);
  b.writeUInt32LE(FSCTL_VALIDATE_NEGOTIATE_INFO, 4);
  b.fill(0xff, 8, 24); // FileId: none
  b.writeUInt32LE(HEADER_SIZE + 56, 24); // InputOffset
  b.writeUInt32LE(input.length, 28); // InputCount
  b.writeUInt32LE(24, 44); // MaxOutputResponse
  b.writeUInt32LE(IOCTL_IS_FSCTL, 48);
  input.copy(b, 56);
  return b;
}

/** Sends the FSCTL on treeId and compares the (signed) answer with what NEGOTIATE told us. */
export async function validateNegotiate(
  conn: SmbConnection,
  treeId: number,
  opts: { dialects: number[]; requireSigning: boolean; clientGuid: Buffer },
  neg: NegotiateResult,
): Promise<void> {
  const res = await conn.request({
    command: Command.IOCTL, treeId, sign: true, payloadSize: 24,
    body: validateNegotiateBody(opts.dialects, opts.requireSigning, opts.clientGuid),
  });
  // The connection refused the reply unless it was signed for the session (or encrypted).
  if (res.header.status !== Status.SUCCESS) {
    throw new SmbProtocolError(`SMB: ${conn.where} refused VALIDATE_NEGOTIATE_INFO (status 0x${res.header.status.toString(16)}) on SMB ${dialectName(neg.dialect)}: the NEGOTIATE may have been tampered with; dropping the connection`);
  }
  const body = res.body;
  if (body.length < 40) throw new SmbProtocolError(`SMB: ${conn.where} sent a malformed VALIDATE_NEGOTIATE_INFO reply`);
  const off = body.readUInt32LE(32);
  const len = body.readUInt32LE(36);
  if (len < 24 || off < HEADER_SIZE + 48 || off + 24 > res.raw.length) {
    throw new SmbProtocolError(`SMB: ${conn.where} sent a VALIDATE_NEGOTIATE_INFO reply whose output (offset ${off}, length ${len}) is out of bounds`);
  }
  const out = res.raw.subarray(off, off + 24);
  const caps = out.readUInt32LE(0);
  const guid = out.subarray(4, 20);
  const mode = out.readUInt16LE(20);
  const dialect = out.readUInt16LE(22);
  if (caps !== neg.capabilities || !guid.equals(neg.serverGuid) || mode !== neg.securityMode || dialect !== neg.dialect) {
    throw new SmbProtocolError(
      `SMB: VALIDATE_NEGOTIATE_INFO from ${conn.where} does not match its NEGOTIATE (dialect ${dialectName(dialect)} vs ${dialectName(neg.dialect)}, ` +
        `security mode ${mode} vs ${neg.securityMode}, capabilities 0x${caps.toString(16)} vs 0x${neg.capabilities.toString(16)}): a man in the middle altered the negotiation; dropping the connection`,
    );
  }
}
