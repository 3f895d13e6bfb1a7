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
 * Reassembles Direct TCP frames from socket chunks without copying them: a frame inside one
 * chunk is a view of it; a frame spanning chunks comes as the list of views of its pieces (a
 * 1 MiB READ response arrives as some sixteen 64 KiB socket reads). Joining them, when a caller
 * must, is left to the caller: most large frames never need it.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  /** Index of the first chunk not yet taken. */
  private first = 0;
  private held = 0;
  private need = -1;

  /** Bytes pushed but not yet handed out in a frame. */
  get buffered(): number {
    return this.held;
  }

  push(chunk: Buffer): Array<Buffer | Buffer[]> {
    this.chunks.push(chunk);
    this.held += chunk.length;
    const frames: Array<Buffer | Buffer[]> = [];
    for (;;) {
      if (this.need < 0) {
        if (this.held < 4) break;
        const head = joinPieces(this.take(4), 4);
        if (head[0] !== 0) throw new SmbProtocolError("SMB2: unexpected transport frame type from the server");
        this.need = head.readUIntBE(1, 3);
      }
      if (this.held < this.need) break;
      const pieces = this.take(this.need);
      frames.push(pieces.length === 1 ? pieces[0] : pieces);
      this.need = -1;
    }
    return frames;
  }

  /** The next n buffered bytes, as views of the chunks they are in. */
  private take(n: number): Buffer[] {
    const out: Buffer[] = [];
    let got = 0;
    // An index, not shift(): a server sending a frame in tiny segments must not cost n^2.
    while (got < n) {
      const c = this.chunks[this.first];
      const k = Math.min(c.length, n - got);
      out.push(k === c.length ? c : c.subarray(0, k));
      got += k;
      if (k === c.length) this.first++;
      else this.chunks[this.first] = c.subarray(k);
    }
    // Taken chunks are dropped (their memory freed once the frames are done with).
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first > 64 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
    this.held -= n;
    if (out.length === 0) out.push(Buffer.alloc(0));
    return out;
  }
}

/** One buffer of the pieces (a view when there is one piece). */
export function joinPieces(pieces: readonly Buffer[], total?: number): Buffer {
  return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, total);
}

/**
 * Bytes [start, end) of the concatenation of pieces, as views (no copy). Throws if the pieces
 * are shorter than end.
 */
export function slicePieces(pieces: readonly Buffer[], start: number, end: number): Buffer[] {
  const out: Buffer[] = [];
  let base = 0;
  for (const p of pieces) {
    const from = Math.max(start, base);
    const to = Math.min(end, base + p.length);
    if (from < to) out.push(p.subarray(from - base, to - base));
    base += p.length;
    if (base >= end) break;
  }
  if (base < end) throw new SmbProtocolError(`SMB2: a message of ${base} bytes has no bytes ${start} to ${end}`);
  return out;
}
