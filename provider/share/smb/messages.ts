/** Request bodies and response parsers for the file commands (MS-SMB2 2.2.9 to 2.2.40). */
import { SmbProtocolError } from "./errors";
import { HEADER_SIZE, slicePieces } from "./header";

export type FileId = Buffer; // 16 bytes, opaque

const filetimeToDate = (b: Buffer, off: number): Date => {
  const ft = b.readBigUInt64LE(off);
  if (ft === 0n) return new Date(0);
  return new Date(Number((ft - 116444736000000000n) / 10000n));
};

export function treeConnectBody(unc: string): Buffer {
  const path = Buffer.from(unc, "utf16le");
  const b = Buffer.alloc(8 + path.length);
  b.writeUInt16LE(9, 0);
  b.writeUInt16LE(HEADER_SIZE + 8, 4);
  b.writeUInt16LE(path.length, 6);
  path.copy(b, 8);
  return b;
}

export function parseTreeConnect(body: Buffer): { shareType: number; shareFlags: number; capabilities: number; maximalAccess: number } {
  if (body.length < 16) throw new SmbProtocolError("SMB2: malformed TREE_CONNECT response");
  return { shareType: body[2], shareFlags: body.readUInt32LE(4), capabilities: body.readUInt32LE(8), maximalAccess: body.readUInt32LE(12) };
}

export const emptyBody4 = (): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(4, 0);
  return b;
};

export interface CreateRequest {
  path: string; // share-relative, backslashes, no leading backslash
  desiredAccess: number;
  fileAttributes: number;
  shareAccess: number;
  disposition: number;
  options: number;
}

export function createBody(r: CreateRequest): Buffer {
  const name = Buffer.from(r.path, "utf16le");
  const b = Buffer.alloc(56 + Math.max(1, name.length));
  b.writeUInt16LE(57, 0);
  b[3] = 0; // no oplock: we never keep files cached, and breaks would need handling
  b.writeUInt32LE(2, 4); // impersonation
  b.writeUInt32LE(r.desiredAccess >>> 0, 24);
  b.writeUInt32LE(r.fileAttributes, 28);
  b.writeUInt32LE(r.shareAccess, 32);
  b.writeUInt32LE(r.disposition, 36);
  b.writeUInt32LE(r.options >>> 0, 40);
  b.writeUInt16LE(HEADER_SIZE + 56, 44);
  b.writeUInt16LE(name.length, 46);
  name.copy(b, 56);
  return b;
}

export interface FileAttributesInfo {
  creationTime: Date;
  lastWriteTime: Date;
  changeTime: Date;
  allocationSize: number;
  endOfFile: number;
  fileAttributes: number;
}

export interface CreateResponse extends FileAttributesInfo {
  createAction: number;
  fileId: FileId;
}

export function parseCreate(body: Buffer): CreateResponse {
  if (body.length < 88) throw new SmbProtocolError("SMB2: malformed CREATE response");
  return {
    createAction: body.readUInt32LE(4),
    creationTime: filetimeToDate(body, 8),
    lastWriteTime: filetimeToDate(body, 24),
    changeTime: filetimeToDate(body, 32),
    allocationSize: Number(body.readBigUInt64LE(40)),
    endOfFile: Number(body.readBigUInt64LE(48)),
    fileAttributes: body.readUInt32LE(56),
    fileId: Buffer.from(body.subarray(64, 80)),
  };
}

export function closeBody(fileId: FileId): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(24, 0);
  fileId.copy(b, 8);
  return b;
}

export function flushBody(fileId: FileId): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt16LE(24, 0);
  fileId.copy(b, 8);
  return b;
}

export function readBody(fileId: FileId, offset: number, length: number): Buffer {
  const b = Buffer.alloc(49);
  b.writeUInt16LE(49, 0);
  b[2] = 0x50;
  b.writeUInt32LE(length, 4);
  b.writeBigUInt64LE(BigInt(offset), 8);
  fileId.copy(b, 16);
  return b;
}

/** The data of a READ response (a view into raw, no copy). */
export function parseRead(body: Buffer, raw: Buffer): Buffer {
  const [data] = parseReadPieces(body, raw, []);
  return data ?? Buffer.alloc(0);
}

/**
 * The data of a READ response that may have arrived in pieces (raw, then rest), as views of
 * them: no join, whatever the size.
 */
export function parseReadPieces(body: Buffer, raw: Buffer, rest: readonly Buffer[]): Buffer[] {
  if (body.length < 16) throw new SmbProtocolError("SMB2: malformed READ response");
  const off = body[2];
  const len = body.readUInt32LE(4);
  const size = rest.reduce((n, r) => n + r.length, raw.length);
  // The data follows the 16-byte fixed part: an offset inside it (or the header) would hand out header bytes as file data.
  if (off < HEADER_SIZE + 16 || off + len > size) {
    throw new SmbProtocolError(`SMB2: READ response data (offset ${off}, length ${len}) is outside the ${size}-byte message's data area`);
  }
  return len === 0 ? [] : slicePieces([raw, ...rest], off, off + len);
}

/** The fixed part of a WRITE request; the data follows it (see SmbRequest.data). */
export function writeBody(fileId: FileId, offset: number, length: number): Buffer {
  const b = Buffer.alloc(48);
  b.writeUInt16LE(49, 0);
  b.writeUInt16LE(HEADER_SIZE + 48, 2);
  b.writeUInt32LE(length, 4);
  b.writeBigUInt64LE(BigInt(offset), 8);
  fileId.copy(b, 16);
  return b;
}

export function parseWrite(body: Buffer): number {
  if (body.length < 16) throw new SmbProtocolError("SMB2: malformed WRITE response");
  return body.readUInt32LE(4);
}

export function queryDirectoryBody(fileId: FileId, infoClass: number, flags: number, pattern: string, outputLength: number): Buffer {
  const name = Buffer.from(pattern, "utf16le");
  const b = Buffer.alloc(32 + name.length);
  b.writeUInt16LE(33, 0);
  b[2] = infoClass;
  b[3] = flags;
  fileId.copy(b, 8);
  b.writeUInt16LE(HEADER_SIZE + 32, 24);
  b.writeUInt16LE(name.length, 26);
  b.writeUInt32LE(outputLength, 28);
  name.copy(b, 32);
  return b;
}

/** The output buffer of QUERY_DIRECTORY / QUERY_INFO responses. */
export function parseOutputBuffer(body: Buffer, raw: Buffer): Buffer {
  if (body.length < 8) throw new SmbProtocolError("SMB2: malformed QUERY response");
  const off = body.readUInt16LE(2);
  const len = body.readUInt32LE(4);
  if (len === 0) return Buffer.alloc(0);
  if (off < HEADER_SIZE + 8 || off + len > raw.length) throw new SmbProtocolError(`SMB2: QUERY response data (offset ${off}, length ${len}) is outside the message's data area`);
  return raw.subarray(off, off + len);
}

export interface DirectoryEntry extends FileAttributesInfo {
  name: string;
}

/** FileIdBothDirectoryInformation entries. */
export function parseIdBothDirectory(buf: Buffer): DirectoryEntry[] {
  const out: DirectoryEntry[] = [];
  let p = 0;
  for (;;) {
    if (p + 104 > buf.length) break;
    const next = buf.readUInt32LE(p);
    const nameLen = buf.readUInt32LE(p + 60);
    if (p + 104 + nameLen > buf.length || (next !== 0 && (next < 104 + nameLen || p + next > buf.length))) {
      throw new SmbProtocolError(`SMB2: a QUERY_DIRECTORY entry (at ${p}, name length ${nameLen}, next ${next}) runs outside the ${buf.length}-byte listing`);
    }
    out.push({
      name: buf.toString("utf16le", p + 104, p + 104 + nameLen),
      creationTime: filetimeToDate(buf, p + 8),
      lastWriteTime: filetimeToDate(buf, p + 24),
      changeTime: filetimeToDate(buf, p + 32),
      endOfFile: Number(buf.readBigUInt64LE(p + 40)),
      allocationSize: Number(buf.readBigUInt64LE(p + 48)),
      fileAttributes: buf.readUInt32LE(p + 56),
    });
    if (next === 0) break;
    p += next;
  }
  return out;
}

export function queryInfoBody(fileId: FileId, infoType: number, infoClass: number, outputLength: number): Buffer {
  const b = Buffer.alloc(41);
  b.writeUInt16LE(41, 0);
  b[2] = infoType;
  b[3] = infoClass;
  b.writeUInt32LE(outputLength, 4);
  fileId.copy(b, 24);
  return b;
}

export function setInfoBody(fileId: FileId, infoType: number, infoClass: number, data: Buffer): Buffer {
  const b = Buffer.alloc(32 + data.length);
  b.writeUInt16LE(33, 0);
  b[2] = infoType;
  b[3] = infoClass;
  b.writeUInt32LE(data.length, 4);
  b.writeUInt16LE(HEADER_SIZE + 32, 8);
  fileId.copy(b, 16);
  data.copy(b, 32);
  return b;
}

export function renameInfo(newPath: string, replace: boolean): Buffer {
  const name = Buffer.from(newPath, "utf16le");
  const b = Buffer.alloc(20 + name.length);
  b[0] = replace ? 1 : 0;
  b.writeUInt32LE(name.length, 16);
  name.copy(b, 20);
  return b;
}

export function parseNetworkOpenInfo(b: Buffer): FileAttributesInfo {
  if (b.length < 56) throw new SmbProtocolError("SMB2: malformed FileNetworkOpenInformation");
  return {
    creationTime: filetimeToDate(b, 0),
    lastWriteTime: filetimeToDate(b, 16),
    changeTime: filetimeToDate(b, 24),
    allocationSize: Number(b.readBigUInt64LE(32)),
    endOfFile: Number(b.readBigUInt64LE(40)),
    fileAttributes: b.readUInt32LE(48),
  };
}
