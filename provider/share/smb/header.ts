/** The 64-byte SMB2 header and the Direct TCP transport framing (MS-SMB2 2.2.1, 2.1). */
import { Flags } from "./constants";
import { SmbProtocolError } from "./errors";

export const HEADER_SIZE = 64;
export const PROTOCOL_ID = 0x424d53fe; // FE 'S' 'M' 'B' read as LE uint32
export const TRANSFORM_ID = 0x424d53fd; // FD 'S' 'M' 'B'

export interface Smb2Header {
  command: number;
  status: number;
  creditCharge: number;
  /** CreditRequest in a request, CreditResponse in a response. */
  credits: number;
  flags: number;
  nextCommand: number;
  messageId: bigint;
  /** Only in the async form (flags & ASYNC_COMMAND). */
  asyncId: bigint;
  treeId: number;
  sessionId: bigint;
}

export function writeHeader(b: Buffer, off: number, h: Smb2Header): void {
  b.writeUInt32LE(PROTOCOL_ID, off);
  b.writeUInt16LE(HEADER_SIZE, off + 4);
  b.writeUInt16LE(h.creditCharge, off + 6);
  b.writeUInt32LE(h.status >>> 0, off + 8);
  b.writeUInt16LE(h.command, off + 12);
  b.writeUInt16LE(h.credits, off + 14);
  b.writeUInt32LE(h.flags >>> 0, off + 16);
  b.writeUInt32LE(h.nextCommand, off + 20);
  b.writeBigUInt64LE(h.messageId, off + 24);
  if (h.flags & Flags.ASYNC_COMMAND) {
    b.writeBigUInt64LE(h.asyncId, off + 32);
  } else {
    b.writeUInt32LE(0, off + 32);
    b.writeUInt32LE(h.treeId >>> 0, off + 36);
  }
  b.writeBigUInt64LE(h.sessionId, off + 40);
  b.fill(0, off + 48, off + 64);
}

export function readHeader(b: Buffer): Smb2Header {
  if (b.length < HEADER_SIZE || b.readUInt32LE(0) !== PROTOCOL_ID) {
    throw new SmbProtocolError("SMB2: received a message without a valid SMB2 header");
  }
  const flags = b.readUInt32LE(16);
  const async = (flags & Flags.ASYNC_COMMAND) !== 0;
  return {
    creditCharge: b.readUInt16LE(6),
    status: b.readUInt32LE(8),
    command: b.readUInt16LE(12),
    credits: b.readUInt16LE(14),
    flags,
    nextCommand: b.readUInt32LE(20),
    messageId: b.readBigUInt64LE(24),
    asyncId: async ? b.readBigUInt64LE(32) : 0n,
    treeId: async ? 0 : b.readUInt32LE(36),
    sessionId: b.readBigUInt64LE(40),
  };
}

/** Splits a compound chain into its messages (each a view including its padding). */
export function splitCompound(payload: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let p = 0;
  for (;;) {
    if (p + HEADER_SIZE > payload.length) throw new SmbProtocolError("SMB2: truncated compound response");
    const next = payload.readUInt32LE(p + 20);
    if (next === 0) {
      out.push(payload.subarray(p));
      return out;
    }
    if (next < HEADER_SIZE || p + next > payload.length) throw new SmbProtocolError("SMB2: bad NextCommand in compound response");
    out.push(payload.subarray(p, p + next));
    p += next;
  }
}

/**
 * Reassembles Direct TCP frames from socket chunks. Chunks are kept in a list and joined once per
 * frame: concatenating on every 'data' event is quadratic on multi-MiB responses.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = -1;

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < 4) break;
        const head = this.take(4);
        if (head[0] !== 0) throw new SmbProtocolError("SMB2: unexpected transport frame type from the server");
        this.need = head.readUIntBE(1, 3);
      }
      if (this.buffered < this.need) break;
      frames.push(this.take(this.need));
      this.need = -1;
    }
    return frames;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - got);
      c.copy(out, got, 0, k);
      got += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }
}
