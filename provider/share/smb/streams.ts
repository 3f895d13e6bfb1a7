/**
 * Streaming read and write of one file with several requests in flight. Memory is bounded by
 * maxInFlight x chunkSize whatever the file size; the streams apply Node backpressure.
 */
import { Readable, Writable } from "stream";
import { giveBack } from "../../lending";
import type { SmbClient, SmbHandle } from "./client";
import { SmbProtocolError } from "./errors";

export interface SmbWriteStreamOptions {
  /** Where to get a live client when the stream starts (a share that reconnects); default: the client given. */
  client?: () => Promise<SmbClient>;
  /** true (default): create or truncate; false: fail if the file exists. */
  overwrite?: boolean;
  /** Continue the existing file from this byte (its earlier bytes kept); overwrite does not apply. */
  start?: number;
  /** Requests in flight (default 8). */
  maxInFlight?: number;
  /** Bytes per WRITE (default: the client's ioSize, 1 MiB). */
  chunkSize?: number;
}

/** Chunks smaller than this are copied together (a WRITE of thousands of tiny pieces would cost more than the copy). */
const SMALL = 8 * 1024;
const STAGING = 64 * 1024;

export class SmbWriteStream extends Writable {
  /** Bytes acknowledged by the server. */
  bytesWritten = 0;
  private handle?: SmbHandle;
  /**
   * The bytes of the next WRITE, as the producer's own chunks (views, never copied: a TLS
   * socket's reads go out as the pieces of one WRITE), small ones joined in `staging`.
   */
  private pieces: Buffer[] = [];
  /** The chunks with a piece in the next WRITE: a lent one goes back once every WRITE with a part of it is answered. */
  private owners: Buffer[] = [];
  private readonly partsLeft = new Map<Buffer, number>();
  private piecesLen = 0;
  private staging?: Buffer;
  private stagingLen = 0;
  private offset = 0;
  private inFlight = 0;
  private failed?: Error;
  private slotWaiters: Array<() => void> = [];
  private readonly chunkSize: number;
  private readonly maxInFlight: number;

  constructor(
    private client: SmbClient,
    readonly path: string,
    private readonly opts: SmbWriteStreamOptions = {},
  ) {
    const chunkSize = Math.min(opts.chunkSize ?? client.ioSize, client.ioSize);
    super({ highWaterMark: chunkSize });
    this.chunkSize = chunkSize;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 8);
    this.offset = opts.start ?? 0;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    (this.opts.client ? this.opts.client() : Promise.resolve(this.client))
      .then((c) => {
        this.client = c;
        const disposition = (this.opts.start ?? 0) > 0 ? "open" : this.opts.overwrite === false ? "create" : "overwrite";
        return c.open(this.path, { access: "write", disposition, directory: false });
      })
      .then((h) => {
        this.handle = h;
        callback();
      }, callback);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failed) return callback(this.failed);
    this.add(chunk);
    this.whenSlotFree(callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    if (this.failed) return callback(this.failed);
    for (const c of chunks) this.add(c.chunk);
    this.whenSlotFree(callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flushStaging();
    if (this.piecesLen > 0) this.dispatch(this.piecesLen);
    this.whenIdle(() => {
      const h = this.handle;
      this.handle = undefined;
      if (!h) return callback(this.failed);
      this.client.close(h).then(
        () => callback(this.failed),
        (e: Error) => callback(this.failed ?? e),
      );
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const h = this.handle;
    this.handle = undefined;
    if (!h || this.client.connectionLost) return callback(error);
    // Wait for writes in flight so the close is the last request on the handle.
    this.whenIdle(() => this.client.close(h).then(() => callback(error), () => callback(error)));
  }

  private add(chunk: Buffer): void {
    let p = 0;
    let parts = 0;
    while (p < chunk.length) {
      const room = this.chunkSize - this.piecesLen - this.stagingLen;
      const n = Math.min(room, chunk.length - p);
      if (n < SMALL && n === chunk.length - p) {
        // A small chunk (or a chunk's small tail) is copied into the staging buffer.
        if (this.staging && this.stagingLen + n > this.staging.length) this.flushStaging();
        this.staging ??= Buffer.allocUnsafe(STAGING);
        chunk.copy(this.staging, this.stagingLen, p, p + n);
        this.stagingLen += n;
      } else {
        this.flushStaging();
        this.pieces.push(p === 0 && n === chunk.length ? chunk : chunk.subarray(p, p + n));
        this.owners.push(chunk);
        parts++;
        this.piecesLen += n;
      }
      p += n;
      if (this.piecesLen + this.stagingLen === this.chunkSize) {
        this.flushStaging();
        this.dispatch(this.chunkSize);
      }
    }
    // All copied into staging: the chunk itself is done with.
    if (parts === 0) giveBack(chunk);
    else this.partsLeft.set(chunk, (this.partsLeft.get(chunk) ?? 0) + parts);
  }

  /** Staged small chunks become a piece of their own (the staging buffer goes with them). */
  private flushStaging(): void {
    if (!this.staging || this.stagingLen === 0) return;
    this.pieces.push(this.staging.subarray(0, this.stagingLen));
    this.piecesLen += this.stagingLen;
    // The rest of the staging buffer takes the next small chunks; the piece keeps its own bytes.
    this.staging = this.staging.length - this.stagingLen < SMALL ? undefined : this.staging.subarray(this.stagingLen);
    this.stagingLen = 0;
  }

  private dispatch(length: number): void {
    const data = this.pieces;
    const owners = this.owners;
    this.pieces = [];
    this.owners = [];
    this.piecesLen = 0;
    const offset = this.offset;
    this.offset += length;
    this.inFlight++;
    const h = this.handle as SmbHandle;
    this.client.write(h, offset, data).then(
      () => {
        this.bytesWritten += length;
        this.done(owners);
        this.release();
      },
      (e: Error) => {
        this.failed ??= e;
        this.done(owners);
        this.release();
      },
    );
  }

  /**
   * A WRITE settled: the chunks it held a part of may go back (see lending.ts). A server can
   * answer only bytes it received; one answering early gets later bytes of the same download in
   * place of some it was sent, which it could write anyway: the hash was taken before the send.
   */
  private done(owners: Buffer[]): void {
    for (const c of owners) {
      const left = (this.partsLeft.get(c) ?? 1) - 1;
      if (left > 0) this.partsLeft.set(c, left);
      else {
        this.partsLeft.delete(c);
        giveBack(c);
      }
    }
  }

  private release(): void {
    this.inFlight--;
    const w = this.slotWaiters.splice(0);
    for (const f of w) f();
  }

  private whenSlotFree(cb: (error?: Error | null) => void): void {
    if (this.failed) return cb(this.failed);
    if (this.inFlight < this.maxInFlight) return cb();
    this.slotWaiters.push(() => this.whenSlotFree(cb));
  }

  private whenIdle(cb: () => void): void {
    if (this.inFlight === 0) return cb();
    this.slotWaiters.push(() => this.whenIdle(cb));
  }
}

export interface SmbReadStreamOptions {
  /** Where to get a live client when the stream starts (a share that reconnects); default: the client given. */
  client?: () => Promise<SmbClient>;
  /** First byte (default 0). */
  start?: number;
  /** Last byte, inclusive (as fs.createReadStream; default: end of file). */
  end?: number;
  /** Requests in flight (default 8). */
  maxInFlight?: number;
  /** Bytes per READ (default: the client's ioSize, 1 MiB). */
  chunkSize?: number;
}

interface Segment {
  offset: number;
  length: number;
  /** The READ's data as it arrived (pieces of the socket's reads, never joined). */
  data?: Buffer[];
  size?: number;
}

export class SmbReadStream extends Readable {
  bytesRead = 0;
  private handle?: SmbHandle;
  private limit = 0;
  private nextOffset: number;
  private readonly queue: Segment[] = [];
  private wanting = false;
  private finished = false;
  private readonly chunkSize: number;
  private readonly maxInFlight: number;

  constructor(
    private client: SmbClient,
    readonly path: string,
    private readonly opts: SmbReadStreamOptions = {},
  ) {
    const chunkSize = Math.min(opts.chunkSize ?? client.ioSize, client.ioSize);
    super({ highWaterMark: chunkSize });
    this.chunkSize = chunkSize;
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 8);
    this.nextOffset = opts.start ?? 0;
  }

  override _construct(callback: (error?: Error | null) => void): void {
    (this.opts.client ? this.opts.client() : Promise.resolve(this.client))
      .then((c) => {
        this.client = c;
        return c.open(this.path, { access: "read", directory: false });
      })
      .then((h) => {
        this.handle = h;
        this.limit = this.opts.end !== undefined ? Math.min(h.size, this.opts.end + 1) : h.size;
        callback();
      }, callback);
  }

  override _read(): void {
    this.wanting = true;
    this.pump();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const h = this.handle;
    this.handle = undefined;
    this.finished = true;
    if (!h || this.client.connectionLost) return callback(error);
    this.client.close(h).then(() => callback(error), () => callback(error));
  }

  private issue(seg: Segment): void {
    this.client.readv(this.handle as SmbHandle, seg.offset, seg.length).then(
      (data) => {
        seg.data = data;
        seg.size = data.reduce((n, d) => n + d.length, 0);
        this.pump();
      },
      (e: Error) => this.destroy(e),
    );
  }

  private pump(): void {
    if (this.finished || !this.handle) return;
    while (this.queue.length < this.maxInFlight && this.nextOffset < this.limit) {
      const seg = { offset: this.nextOffset, length: Math.min(this.chunkSize, this.limit - this.nextOffset) };
      this.nextOffset += seg.length;
      this.queue.push(seg);
      this.issue(seg);
    }
    while (this.wanting && this.queue.length > 0 && this.queue[0].data !== undefined) {
      const seg = this.queue.shift() as Segment;
      const size = seg.size ?? 0;
      if (size > seg.length) {
        this.destroy(new SmbProtocolError(`SMB: the server returned ${size} bytes for a ${seg.length}-byte READ of ${this.path}; refused`));
        return;
      }
      if (size === 0) {
        // The file shrank under us: stop at what exists.
        this.queue.length = 0;
        this.nextOffset = this.limit;
        break;
      }
      if (size < seg.length) {
        const rest = { offset: seg.offset + size, length: seg.length - size };
        this.queue.unshift(rest);
        this.issue(rest);
      }
      this.bytesRead += size;
      for (const d of seg.data as Buffer[]) this.wanting = this.push(d);
    }
    if (this.queue.length === 0 && this.nextOffset >= this.limit && !this.finished) {
      this.finished = true;
      const h = this.handle;
      this.handle = undefined;
      this.client.close(h).then(
        () => this.push(null),
        (e: Error) => this.destroy(e),
      );
    }
  }
}

/** Called with each piece of a file, in order; the piece is valid only until it returns (or its promise settles). */
export type PieceReader = (piece: Buffer) => void | Promise<void>;

interface LentSegment {
  offset: number;
  length: number;
  reply: Promise<{ pieces: Buffer[]; release: () => void }>;
}

/**
 * Reads a file (or its bytes start..end) in order with several READs in flight, handing each
 * piece to fn and then giving its memory back to the connection: a reader that keeps nothing
 * (a hash, a compare) reads any size without allocating. Resolves with the bytes read.
 */
export async function readEach(client: SmbClient, path: string, fn: PieceReader, opts: SmbReadStreamOptions = {}): Promise<number> {
  const c = opts.client ? await opts.client() : client;
  const h = await c.open(path, { access: "read", directory: false });
  const chunkSize = Math.min(opts.chunkSize ?? c.ioSize, c.ioSize);
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 8);
  const limit = opts.end !== undefined ? Math.min(h.size, opts.end + 1) : h.size;
  let next = opts.start ?? 0;
  let done = 0;
  const queue: LentSegment[] = [];
  const issue = (offset: number, length: number, front = false): void => {
    const seg = { offset, length, reply: c.readLent(h, offset, length) };
    // A reply nobody waits for any more (a failure before it) still gives its memory back.
    seg.reply.catch(() => undefined);
    if (front) queue.unshift(seg);
    else queue.push(seg);
  };
  // Replies still in flight (after a failure, or past a shrunk file's end) give their memory back as they come.
  const drop = (): void => {
    for (const seg of queue.splice(0)) seg.reply.then((r) => r.release(), () => undefined);
  };
  try {
    for (;;) {
      while (queue.length < maxInFlight && next < limit) {
        const length = Math.min(chunkSize, limit - next);
        issue(next, length);
        next += length;
      }
      const seg = queue.shift();
      if (!seg) break;
      const { pieces, release } = await seg.reply;
      try {
        const size = pieces.reduce((n, d) => n + d.length, 0);
        if (size > seg.length) throw new SmbProtocolError(`SMB: the server returned ${size} bytes for a ${seg.length}-byte READ of ${path}; refused`);
        if (size === 0) break; // the file shrank under us: stop at what exists
        if (size < seg.length) issue(seg.offset + size, seg.length - size, true);
        for (const d of pieces) {
          const r = fn(d);
          if (r) await r;
        }
        done += size;
      } finally {
        release();
      }
    }
  } catch (e) {
    drop();
    if (!c.connectionLost) await c.close(h).catch(() => undefined);
    throw e;
  }
  drop();
  await c.close(h);
  return done;
}
