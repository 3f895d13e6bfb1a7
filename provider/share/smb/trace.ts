/**
 * SMB lines of the wire trace (APPLAYERING_DEBUG, debug/trace.ts): command, NT status, message,
 * tree, session and file ids, the path a CREATE opens, a READ/WRITE's offset and length. Only
 * header fields and those few body fields are read: never a SESSION_SETUP blob (NTLM), a key or data.
 */
import { Command, COMMAND_NAMES } from "./constants";
import type { Smb2Header } from "./header";
import { statusInfo } from "./status";
import { trace, tracing } from "../../debug/trace";

export { tracing as smbTracing };

/** Offset of the FileId in a request body, per command (MS-SMB2 2.2). */
const REQUEST_FILE_ID: Record<number, number> = {
  [Command.CLOSE]: 8,
  [Command.FLUSH]: 8,
  [Command.READ]: 16,
  [Command.WRITE]: 16,
  [Command.IOCTL]: 8,
  [Command.QUERY_DIRECTORY]: 8,
  [Command.QUERY_INFO]: 24,
  [Command.SET_INFO]: 16,
};

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;
const statusName = (status: number): string => (status === 0 ? "STATUS_SUCCESS" : statusInfo(status).name);

function fileId(body: Buffer, at: number): string | undefined {
  if (body.length < at + 16) return undefined;
  return `${body.readBigUInt64LE(at).toString(16)}:${body.readBigUInt64LE(at + 8).toString(16)}`;
}

function createName(message: Buffer): string | undefined {
  // NameOffset (from the header's start) and NameLength at body offsets 44 and 46.
  if (message.length < 64 + 48) return undefined;
  const off = message.readUInt16LE(64 + 44);
  const len = message.readUInt16LE(64 + 46);
  return off + len <= message.length ? message.toString("utf16le", off, off + len) || "(share root)" : undefined;
}

/** A request as it leaves: `message` is the plain SMB2 message (header + body), before signing or encryption. */
export function traceSmbRequest(where: string, command: number, messageId: bigint, treeId: number, sessionId: bigint, message: Buffer): void {
  const body = message.subarray(64);
  const parts = [`> ${COMMAND_NAMES[command] ?? command}`, `mid=${messageId}`, `tree=${hex(treeId)}`, `session=${hex(sessionId)}`, `to ${where}`];
  const fid = REQUEST_FILE_ID[command] !== undefined ? fileId(body, REQUEST_FILE_ID[command]) : undefined;
  if (fid) parts.push(`file=${fid}`);
  if (command === Command.CREATE) parts.push(`path="${createName(message) ?? "?"}"`);
  if ((command === Command.READ || command === Command.WRITE) && body.length >= 16) parts.push(`offset=${body.readBigUInt64LE(8)} length=${body.readUInt32LE(4)}`);
  trace("smb", parts.join(" "));
}

/** A final reply, after signature checks; `ms` since its request left. */
export function traceSmbReply(where: string, header: Smb2Header, body: Buffer, ms: number): void {
  const parts = [`< ${COMMAND_NAMES[header.command] ?? header.command}`, statusName(header.status), `mid=${header.messageId}`, `tree=${hex(header.treeId)}`, `session=${hex(header.sessionId)}`, `in ${ms} ms from ${where}`];
  if (header.command === Command.CREATE && header.status === 0) {
    const fid = fileId(body, 64);
    if (fid) parts.push(`file=${fid}`);
  }
  trace("smb", parts.join(" "));
}

/** The connection failed: every pending request fails with this. */
export function traceSmbFailure(where: string, message: string): void {
  trace("smb", `connection to ${where} failed: ${message}`);
}
