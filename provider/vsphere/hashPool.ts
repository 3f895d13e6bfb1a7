/**
 * The process's hashing threads. Starting a worker thread costs its own Node bootstrap (measured
 * here: about 50 ms of CPU each, 0.7 s under --cpu-prof), more than hashing the simulator's small
 * disks, paid by every disk of every export in one `pulumi up`; so a few workers are started on
 * first use and shared: each
 * serves any number of streams, told apart by id, and a stream goes to the worker with the fewest.
 * A worker keeps the process alive only while it has streams, and ends after a while unused.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

export const SLOT = 1 << 20;

// Inline, so the worker needs no file of its own next to the compiled module.
const WORKER_CODE = `
const { parentPort } = require("node:worker_threads");
const { createHash } = require("node:crypto");
const streams = new Map();
parentPort.on("message", (m) => {
  if (m.open !== undefined) {
    streams.set(m.open, { ring: new Uint8Array(m.ring), sha256: createHash("sha256"), sha1: m.sha1 ? createHash("sha1") : undefined });
    return;
  }
  const s = streams.get(m.id);
  if (!s) return;
  if (m.digest) {
    streams.delete(m.id);
    parentPort.postMessage({ id: m.id, sha256: s.sha256.digest("hex"), sha1: s.sha1 ? s.sha1.digest("hex") : "" });
  } else if (m.close) {
    streams.delete(m.id);
  } else {
    const b = s.ring.subarray(m.slot * ${SLOT}, m.slot * ${SLOT} + m.length);
    s.sha256.update(b);
    if (s.sha1) s.sha1.update(b);
    parentPort.postMessage({ id: m.id, done: m.slot });
  }
});
`;

/** What a stream hears from its worker. */
export interface StreamListener {
  done(slot: number): void;
  digest(sha256: string, sha1: string): void;
  fail(e: Error): void;
}

interface PooledWorker {
  worker: Worker;
  streams: Map<number, StreamListener>;
  idleTimer?: NodeJS.Timeout;
}

/** A stream's line to its worker. */
export interface HashChannel {
  hash(slot: number, length: number): void;
  digest(): void;
  close(): void;
}

const IDLE_MS = 30_000;

export class HashPool {
  private readonly workers: PooledWorker[] = [];
  private nextId = 1;

  constructor(private readonly maxWorkers = Math.max(1, Math.min(4, availableParallelism()))) {}

  /** Opens a stream over `ring` (slots of SLOT bytes) on the least busy worker. */
  open(ring: SharedArrayBuffer, sha1: boolean, listener: StreamListener): HashChannel {
    const pw = this.pick();
    const id = this.nextId++;
    if (pw.idleTimer) clearTimeout(pw.idleTimer);
    pw.idleTimer = undefined;
    pw.streams.set(id, listener);
    pw.worker.ref();
    pw.worker.postMessage({ open: id, ring, sha1 });
    return {
      hash: (slot, length) => pw.worker.postMessage({ id, slot, length }),
      digest: () => pw.worker.postMessage({ id, digest: true }),
      close: () => {
        if (!pw.streams.has(id)) return;
        pw.worker.postMessage({ id, close: true });
        this.release(pw, id);
      },
    };
  }

  /** Workers running now (for tests). */
  get size(): number {
    return this.workers.length;
  }

  private pick(): PooledWorker {
    const idle = this.workers.find((w) => w.streams.size === 0);
    if (idle) return idle;
    if (this.workers.length < this.maxWorkers) return this.start();
    return this.workers.reduce((a, b) => (b.streams.size < a.streams.size ? b : a));
  }

  private start(): PooledWorker {
    const worker = new Worker(WORKER_CODE, { eval: true });
    const pw: PooledWorker = { worker, streams: new Map() };
    worker.on("message", (m: { id: number; done?: number; sha256?: string; sha1?: string }) => {
      const s = pw.streams.get(m.id);
      if (!s) return;
      if (m.done !== undefined) s.done(m.done);
      else if (m.sha256 !== undefined) {
        this.release(pw, m.id);
        s.digest(m.sha256, m.sha1 ?? "");
      }
    });
    const lost = (e: Error): void => {
      this.drop(pw);
      const streams = [...pw.streams.values()];
      pw.streams.clear();
      streams.forEach((s) => s.fail(e));
    };
    worker.on("error", lost);
    worker.on("exit", (code) => {
      // retire() ends a worker with no streams; any other exit loses the streams it had.
      if (pw.streams.size > 0) lost(new Error(`the hashing worker exited with code ${code}`));
      this.drop(pw);
    });
    this.workers.push(pw);
    return pw;
  }

  /** A stream is done with its worker; a worker left with none ends after IDLE_MS. */
  private release(pw: PooledWorker, id: number): void {
    pw.streams.delete(id);
    if (pw.streams.size === 0 && this.workers.includes(pw)) {
      pw.worker.unref();
      pw.idleTimer = setTimeout(() => this.retire(pw), IDLE_MS);
      pw.idleTimer.unref();
    }
  }

  private retire(pw: PooledWorker): void {
    if (pw.streams.size > 0) return;
    this.drop(pw);
    void pw.worker.terminate();
  }

  private drop(pw: PooledWorker): void {
    const i = this.workers.indexOf(pw);
    if (i >= 0) this.workers.splice(i, 1);
    if (pw.idleTimer) clearTimeout(pw.idleTimer);
  }
}

/** The host process's pool. */
export const hashPool = new HashPool();
