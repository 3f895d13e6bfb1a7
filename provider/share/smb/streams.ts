/**
 * Streaming read and write of one file with several requests in flight. Memory is bounded by
 * maxInFlight x chunkSize whatever the file size; the streams apply Node backpressure.
 */
import { Readable, Writable } from "stream";
import type { SmbClient, SmbHandle } from "./client";

export interface SmbWriteStreamOptions {
  /** Where to get a live client when the stream starts (a share that reconnects); default: the client given. */
  client?: () => Promise<SmbClient>;
  /** true (default): create or truncate; false: fail if the file exists. */
  overwrite?: boolean;
  /** Requests in flight (default 8). */
  maxInFlight?: number;
  /** Bytes per WRITE (default: the client's ioSize, 1 MiB). */
  chunkSize?: number;
}

export class SmbWriteStream extends Writable {
  /** Bytes acknowledged by the server. */
  bytesWritten = 0;
  private handle?: SmbHandle;
  private buf: Buffer;
  private bufLen = 0;
  /**
   * Our chunk buffers back from finished WRITEs, reused: a fresh 1 MiB per request left up to
   * tens of MB of garbage waiting for V8's external-memory GC, so peak RSS grew with the file.
   */
  private readonly spare: Buffer[] = [];
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
    this.buf = Buffer.allocUnsafe(chunkSize);
  }

  override _construct(callback: (error?: Error | null) => void): void {
    (this.opts.client ? this.opts.client() : Promise.resolve(this.client))
      .then((c) => {
        this.client = c;
        return c.open(this.path, { access: "write", disposition: this.opts.overwrite === false ? "create" : "overwrite", directory: false });
      })
      .then((h) => {
        this.handle = h;
        callback();
      }, callback);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failed) return callback(this.failed);
    let p = 0;
    // Whole chunks straight from the producer go out without a copy into our buffer.
    while (this.bufLen === 0 && chunk.length - p >= this.chunkSize) {
      this.dispatchData(chunk.subarray(p, p + this.chunkSize));
      p += this.chunkSize;
    }
    while (p < chunk.length) {
      const n = Math.min(chunk.length - p, this.chunkSize - this.bufLen);
      chunk.copy(this.buf, this.bufLen, p, p + n);
      this.bufLen += n;
      p += n;
      if (this.bufLen === this.chunkSize) this.dispatch();
    }
    this.whenSlotFree(callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.bufLen > 0) this.dispatch();
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

  private dispatch(): void {
    const full = this.bufLen === this.chunkSize;
    const data = full ? this.buf : this.buf.subarray(0, this.bufLen);
    this.buf = this.spare.pop() ?? Buffer.allocUnsafe(this.chunkSize);
    this.bufLen = 0;
    this.dispatchData(data, full);
  }

  /** reuse: data is our own whole buffer, to take back once the server has it. */
  private dispatchData(data: Buffer, reuse = false): void {
    const offset = this.offset;
    this.offset += data.length;
    this.inFlight++;
    const h = this.handle as SmbHandle;
    this.client.write(h, offset, data).then(
      () => {
        this.bytesWritten += data.length;
        // The server answered, so the socket is done with these bytes.
        if (reuse && this.spare.length < this.maxInFlight) this.spare.push(data);
        this.release();
      },
      (e: Error) => {
        this.failed ??= e;
        this.release();
      },
    );
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
  data?: Buffer;
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
    this.client.read(this.handle as SmbHandle, seg.offset, seg.length).then(
      (data) => {
        seg.data = data;
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
      const data = seg.data as Buffer;
      if (data.length === 0) {
        // The file shrank under us: stop at what exists.
        this.queue.length = 0;
        this.nextOffset = this.limit;
        break;
      }
      if (data.length < seg.length) {
        const rest = { offset: seg.offset + data.length, length: seg.length - data.length };
        this.queue.unshift(rest);
        this.issue(rest);
      }
      this.bytesRead += data.length;
      this.wanting = this.push(data);
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
