/**
 * SHA-256 (and SHA-1 when asked: only a server manifest without SHA-256 needs it) of a stream
 * computed in a worker thread (one of the process's shared few: hashPool.ts), so that hashing gigabytes of disk
 * does not share the event loop's core with TLS and the share's writes (on a 2-core machine the
 * export ran at half the speed of `curl | smbclient` with the hashes inline).
 *
 * Bytes are copied into 1 MiB slots of a SharedArrayBuffer (a memcpy is cheap next to a hash; a
 * transfer of an ArrayBuffer per batch cost more than the copy); the worker is told which slot to
 * hash and hands it back. With SLOTS slots, `update` waits only when the worker is that far
 * behind, so memory stays bounded (4 MiB per stream) whatever the disk size.
 */
import { HashChannel, hashPool, HashPool, SLOT } from "./hashPool";

const SLOTS = 4;

export interface Digests {
  sha256: string;
  /** "" unless the hasher was asked for SHA-1. */
  sha1: string;
}

export class BackgroundHasher {
  private readonly shared = new SharedArrayBuffer(SLOT * SLOTS);
  private readonly ring = Buffer.from(this.shared);
  private readonly channel: HashChannel;
  /** Slots the worker has handed back (or never had). */
  private readonly free: number[] = Array.from({ length: SLOTS }, (_, i) => i);
  private slot: number;
  private used = 0;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private onDigest?: { resolve: (d: Digests) => void; reject: (e: Error) => void };
  private result?: Digests;
  private failure?: Error;

  constructor(opts: { sha1?: boolean } = {}, pool: HashPool = hashPool) {
    this.slot = this.free.shift() as number;
    this.channel = pool.open(this.shared, !!opts.sha1, {
      done: (slot) => {
        this.free.push(slot);
        this.waiters.splice(0).forEach((w) => w.resolve());
      },
      digest: (sha256, sha1) => {
        this.result = { sha256, sha1 };
        this.onDigest?.resolve(this.result);
      },
      fail: (e) => this.fail(e),
    });
  }

  /**
   * Adds bytes. Returns undefined when the caller may go on at once (the usual case: no promise
   * per chunk), or a promise when every slot is with the worker and the caller must wait.
   */
  update(chunk: Buffer): Promise<void> | undefined {
    this.check();
    let p = 0;
    while (p < chunk.length) {
      if (this.used === SLOT) {
        this.send();
        if (this.free.length === 0) return this.waitForSlot().then(() => this.update(chunk.subarray(p)));
        this.take();
      }
      const n = Math.min(chunk.length - p, SLOT - this.used);
      chunk.copy(this.ring, this.slot * SLOT + this.used, p, p + n);
      this.used += n;
      p += n;
    }
    return undefined;
  }

  /** The digests of everything added; the stream is then done. */
  async digest(): Promise<Digests> {
    this.check();
    if (this.used > 0) this.send();
    return new Promise<Digests>((resolve, reject) => {
      this.onDigest = { resolve, reject };
      this.channel.digest();
    });
  }

  /** Gives up the stream (after a failure elsewhere); its worker stays for others. */
  destroy(): void {
    if (!this.result) this.channel.close();
  }

  /** Hands the current slot to the worker. */
  private send(): void {
    this.channel.hash(this.slot, this.used);
    this.used = 0;
    this.slot = -1;
  }

  private take(): void {
    this.slot = this.free.shift() as number;
  }

  private async waitForSlot(): Promise<void> {
    while (this.free.length === 0) {
      await new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
      this.check();
    }
    this.take();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.waiters.splice(0).forEach((w) => w.reject(e));
    this.onDigest?.reject(e);
  }
}
