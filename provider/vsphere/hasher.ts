/**
 * SHA-256 (and SHA-1 when asked: only a server manifest without SHA-256 needs it) of a stream computed in a worker thread, so that hashing gigabytes of disk
 * does not share the event loop's core with TLS and the share's writes (on a 2-core machine the
 * export ran at half the speed of `curl | smbclient` with the hashes inline).
 *
 * Bytes are copied into 4 MiB slots of a SharedArrayBuffer (a memcpy is cheap next to a hash; a
 * transfer of an ArrayBuffer per batch cost more than the copy); the worker is told which slot to
 * hash and hands it back. With SLOTS slots, `update` waits only when the worker is that far
 * behind, so memory stays bounded (12 MiB) whatever the disk size.
 */
import { Worker } from "node:worker_threads";

const SLOT = 1 << 20;
const SLOTS = 4;

// Inline, so the worker needs no file of its own next to the compiled module.
const WORKER_CODE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const ring = new Uint8Array(workerData.ring);
const sha256 = createHash("sha256");
const sha1 = workerData.sha1 ? createHash("sha1") : undefined;
parentPort.on("message", (m) => {
  if (m.digest) {
    parentPort.postMessage({ sha256: sha256.digest("hex"), sha1: sha1 ? sha1.digest("hex") : "" });
    return;
  }
  const b = ring.subarray(m.slot * ${SLOT}, m.slot * ${SLOT} + m.length);
  sha256.update(b);
  if (sha1) sha1.update(b);
  parentPort.postMessage({ done: m.slot });
});
`;

export interface Digests {
  sha256: string;
  /** "" unless the hasher was asked for SHA-1. */
  sha1: string;
}

export class BackgroundHasher {
  private readonly shared = new SharedArrayBuffer(SLOT * SLOTS);
  private readonly ring = Buffer.from(this.shared);
  private readonly worker: Worker;
  /** Slots the worker has handed back (or never had). */
  private readonly free: number[] = Array.from({ length: SLOTS }, (_, i) => i);
  private slot: number;
  private used = 0;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private onDigest?: { resolve: (d: Digests) => void; reject: (e: Error) => void };
  private failure?: Error;

  constructor(opts: { sha1?: boolean } = {}) {
    this.worker = new Worker(WORKER_CODE, { eval: true, workerData: { ring: this.shared, sha1: !!opts.sha1 } });
    this.slot = this.free.shift() as number;
    this.worker.on("message", (m: { done?: number; sha256?: string; sha1?: string }) => {
      if (m.done !== undefined) {
        this.free.push(m.done);
        this.waiters.splice(0).forEach((w) => w.resolve());
      } else if (m.sha256 !== undefined && m.sha1 !== undefined) {
        this.onDigest?.resolve({ sha256: m.sha256, sha1: m.sha1 });
      }
    });
    this.worker.on("error", (e: Error) => this.fail(e));
    this.worker.on("exit", (code) => {
      // terminate() after the digest also ends here; only an exit before it is a failure.
      if (code !== 0) this.fail(new Error(`the hashing worker exited with code ${code}`));
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

  /** The digests of everything added; ends the worker. */
  async digest(): Promise<Digests> {
    this.check();
    if (this.used > 0) this.send();
    try {
      return await new Promise<Digests>((resolve, reject) => {
        this.onDigest = { resolve, reject };
        this.worker.postMessage({ digest: true });
      });
    } finally {
      void this.worker.terminate();
    }
  }

  /** Stops the worker (after a failure elsewhere). */
  destroy(): void {
    void this.worker.terminate();
  }

  /** Hands the current slot to the worker. */
  private send(): void {
    this.worker.postMessage({ slot: this.slot, length: this.used });
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
