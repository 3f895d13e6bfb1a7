/** NEGOTIATE: dialects 2.0.2 to 3.1.1, 3.1.1 contexts (preauth SHA-512, ciphers, signing). */
import { createHash, randomBytes } from "crypto";
import { Cap, Cipher, Command, Dialect, SecurityMode, SigningAlg, Status } from "./constants";
import type { SmbConnection } from "./connection";
import { SmbProtocolError, SmbStatusError } from "./errors";
import { HEADER_SIZE } from "./header";

export const ALL_DIALECTS = [Dialect.SMB202, Dialect.SMB210, Dialect.SMB300, Dialect.SMB302, Dialect.SMB311];

export interface NegotiateResult {
  dialect: number;
  securityMode: number;
  capabilities: number;
  maxTransactSize: number;
  maxReadSize: number;
  maxWriteSize: number;
  /** 3.1.1: chosen cipher (0 = none in common / not offered). 3.0.x: AES-128-CCM if ENCRYPTION. */
  cipher: number;
  /** 3.1.1: chosen signing algorithm id (AES-CMAC if the server sent no context). */
  signingAlgorithm: number;
  /** 3.1.1: the connection's preauth integrity hash after NEGOTIATE. */
  preauthHash?: Buffer;
  /** The server's GUID (VALIDATE_NEGOTIATE_INFO compares it). */
  serverGuid: Buffer;
}

function context(type: number, data: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(type, 0);
  h.writeUInt16LE(data.length, 2);
  return Buffer.concat([h, data]);
}

const pad8 = (n: number): number => (8 - (n % 8)) % 8;

/** The Capabilities we send in NEGOTIATE (and must repeat in VALIDATE_NEGOTIATE_INFO). */
export function clientCapabilities(dialects: number[]): number {
  // ENCRYPTION must be set for Samba to negotiate a cipher; never when only 2.x is offered.
  return dialects.some((d) => d >= Dialect.SMB300) ? Cap.LARGE_MTU | Cap.ENCRYPTION : Cap.LARGE_MTU;
}

export function buildNegotiate(dialects: number[], requireSigning: boolean, clientGuid: Buffer, serverName: string): Buffer {
  const has311 = dialects.includes(Dialect.SMB311);
  const fixed = Buffer.alloc(36 + dialects.length * 2);
  fixed.writeUInt16LE(36, 0);
  fixed.writeUInt16LE(dialects.length, 2);
  fixed.writeUInt16LE(SecurityMode.SIGNING_ENABLED | (requireSigning ? SecurityMode.SIGNING_REQUIRED : 0), 4);
  fixed.writeUInt32LE(clientCapabilities(dialects), 8);
  clientGuid.copy(fixed, 12);
  dialects.forEach((d, i) => fixed.writeUInt16LE(d, 36 + i * 2));
  if (!has311) return fixed;

  const preauth = Buffer.alloc(6 + 32);
  preauth.writeUInt16LE(1, 0); // one hash algorithm
  preauth.writeUInt16LE(32, 2); // salt length
  preauth.writeUInt16LE(1, 4); // SHA-512
  randomBytes(32).copy(preauth, 6);
  // GCM before CCM: about twice as fast here.
  const ciphers = [Cipher.AES128GCM, Cipher.AES128CCM, Cipher.AES256GCM, Cipher.AES256CCM];
  const enc = Buffer.alloc(2 + ciphers.length * 2);
  enc.writeUInt16LE(ciphers.length, 0);
  ciphers.forEach((c, i) => enc.writeUInt16LE(c, 2 + i * 2));
  const algs = [SigningAlg.AES_GMAC, SigningAlg.AES_CMAC, SigningAlg.HMAC_SHA256];
  const sig = Buffer.alloc(2 + algs.length * 2);
  sig.writeUInt16LE(algs.length, 0);
  algs.forEach((a, i) => sig.writeUInt16LE(a, 2 + i * 2));
  const ctxs = [context(1, preauth), context(2, enc), context(8, sig), context(5, Buffer.from(serverName, "utf16le"))];

  const parts: Buffer[] = [fixed];
  let off = HEADER_SIZE + fixed.length;
  const p0 = pad8(off);
  parts.push(Buffer.alloc(p0));
  off += p0;
  fixed.writeUInt32LE(off, 28);
  fixed.writeUInt16LE(ctxs.length, 32);
  ctxs.forEach((c, i) => {
    parts.push(c);
    off += c.length;
    if (i < ctxs.length - 1) {
      const p = pad8(off);
      parts.push(Buffer.alloc(p));
      off += p;
    }
  });
  return Buffer.concat(parts);
}

export function parseNegotiateResponse(body: Buffer, raw: Buffer): NegotiateResult {
  if (body.length < 64 || body.readUInt16LE(0) !== 65) throw new SmbProtocolError("SMB2: malformed NEGOTIATE response");
  const dialect = body.readUInt16LE(4);
  const r: NegotiateResult = {
    dialect,
    securityMode: body.readUInt16LE(2),
    capabilities: body.readUInt32LE(24),
    maxTransactSize: body.readUInt32LE(28),
    maxReadSize: body.readUInt32LE(32),
    maxWriteSize: body.readUInt32LE(36),
    cipher: 0,
    signingAlgorithm: dialect >= Dialect.SMB300 ? SigningAlg.AES_CMAC : SigningAlg.HMAC_SHA256,
    serverGuid: Buffer.from(body.subarray(8, 24)),
  };
  if (dialect === Dialect.SMB300 || dialect === Dialect.SMB302) {
    if (r.capabilities & Cap.ENCRYPTION) r.cipher = Cipher.AES128CCM;
  }
  if (dialect === Dialect.SMB311) {
    const count = body.readUInt16LE(6);
    let off = body.readUInt32LE(60); // from the header start
    let sawPreauth = false;
    for (let i = 0; i < count; i++) {
      off += pad8(off);
      if (off + 8 > raw.length) throw new SmbProtocolError("SMB2: truncated negotiate context");
      const type = raw.readUInt16LE(off);
      const len = raw.readUInt16LE(off + 2);
      const data = raw.subarray(off + 8, off + 8 + len);
      if (type === 1) {
        sawPreauth = true;
        if (data.readUInt16LE(0) !== 1 || data.readUInt16LE(4) !== 1) throw new SmbProtocolError("SMB2: the server chose a preauth hash other than SHA-512");
      } else if (type === 2) {
        r.cipher = data.readUInt16LE(0) >= 1 ? data.readUInt16LE(2) : 0;
      } else if (type === 8) {
        r.signingAlgorithm = data.readUInt16LE(2);
      }
      off += 8 + len;
    }
    if (!sawPreauth) throw new SmbProtocolError("SMB2: the server's 3.1.1 NEGOTIATE response lacks the preauth integrity context");
  }
  return r;
}

export function dialectName(d: number): string {
  return { 0x0202: "2.0.2", 0x0210: "2.1", 0x0300: "3.0", 0x0302: "3.0.2", 0x0311: "3.1.1" }[d] ?? `0x${d.toString(16)}`;
}

export function sha512(...parts: Buffer[]): Buffer {
  const h = createHash("sha512");
  for (const p of parts) h.update(p);
  return h.digest();
}

export async function negotiate(
  conn: SmbConnection,
  opts: { dialects: number[]; requireSigning: boolean; clientGuid: Buffer },
): Promise<NegotiateResult> {
  let reqRaw = Buffer.alloc(0);
  const res = await conn.request({
    command: Command.NEGOTIATE,
    body: buildNegotiate(opts.dialects, opts.requireSigning, opts.clientGuid, conn.host),
    onBuilt: (m) => (reqRaw = Buffer.from(m)),
  });
  if (res.header.status !== Status.SUCCESS) {
    const offered = opts.dialects.map(dialectName).join(", ");
    throw new SmbStatusError(res.header.status, `NEGOTIATE (offered SMB ${offered}; the server accepts none of them: allow a newer dialect)`, conn.where);
  }
  const r = parseNegotiateResponse(res.body, res.raw);
  if (!opts.dialects.includes(r.dialect)) {
    throw new SmbProtocolError(`SMB: ${conn.where} chose dialect 0x${r.dialect.toString(16)}, which we did not offer`);
  }
  if (r.dialect === Dialect.SMB311) r.preauthHash = sha512(sha512(Buffer.alloc(64), reqRaw), res.raw);
  return r;
}
