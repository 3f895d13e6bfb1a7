/**
 * A pass-through writer that hashes (SHA-256) and counts what goes through it, keeping backpressure.
 * With `hashing` false it only counts (the caller hashes the same bytes elsewhere).
 */
import { createHash, Hash } from "crypto";
import { Readable, Writable } from "stream";
import { finished, pipeline } from "stream/promises";
import type { Share } from "./types";

export class HashingWriter extends Writable {
  size = 0;
  private readonly hash: Hash = createHash("sha256");
  private digestHex?: string;

  constructor(
    private readonly inner: Writable,
    private readonly hashing = true,
  ) {
    super({ highWaterMark: inner.writableHighWaterMark });
    inner.on("error", (e) => this.destroy(e));
  }

  /** Hex SHA-256; only after 'finish'. */
  get sha256(): string {
    if (this.digestHex === undefined) throw new Error("HashingWriter: sha256 read before the stream finished");
    return this.digestHex;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.hashing) this.hash.update(chunk);
    this.size += chunk.length;
    if (this.inner.write(chunk)) cb();
    else this.inner.once("drain", () => cb());
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.inner.end();
    finished(this.inner).then(() => {
      this.digestHex = this.hashing ? this.hash.digest("hex") : "";
      cb();
    }, cb);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (err && !this.inner.destroyed) this.inner.destroy(err);
    cb(err);
  }
}

export async function writeAllHashed(dest: Writable, data: Buffer | string | Readable): Promise<{ size: number; sha256: string }> {
  const hw = new HashingWriter(dest);
  const src = data instanceof Readable ? data : Readable.from([typeof data === "string" ? Buffer.from(data) : data]);
  await pipeline(src, hw);
  return { size: hw.size, sha256: hw.sha256 };
}

/** SHA-256 and size of a file on a share, read without copying (Share.readEach). */
export async function sha256OfShareFile(share: Share, path: string): Promise<{ size: number; sha256: string }> {
  const h = createHash("sha256");
  const size = await share.readEach(path, (piece) => {
    h.update(piece);
  });
  return { size, sha256: h.digest("hex") };
}
