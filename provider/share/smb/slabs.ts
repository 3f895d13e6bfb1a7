/**
 * The memory a connection's socket reads into: 1 MiB slabs, handed back and reused once every
 * byte in them is done with. A GiB read into fresh buffers costs the process more in garbage
 * collection (V8 collects on external memory growth, a dozen full collections per GiB) than
 * in parsing; reused slabs allocate nothing in the steady state.
 *
 * A slab is reused only when it is provably unreferenced: the socket has moved past it, the
 * frame reader has consumed all of it, no frame that may be kept by a caller points into it
 * (small frames are copied out; a large frame handed to a caller that does not say when it is
 * done "taints" its slabs, which are then left to the garbage collector), and every lent READ
 * response in it has been released by its reader.
 */

const SLAB_SIZE = 1 << 20;
/** A slab with less room than this is retired: a socket read smaller than Node's own 64 KiB would cost syscalls. */
const MIN_ROOM = 64 * 1024;
/** Free slabs kept per connection (8 READs of 1 MiB in flight span at most 10). */
const MAX_FREE = 12;

interface Slab {
  buf: Buffer;
  /** Bytes the socket has read into it. */
  used: number;
  /** Lent responses not yet released. */
  holds: number;
  /** A frame that a caller may keep points into it: never reused. */
  tainted: boolean;
  /** Stream position just past its last byte, once the socket moved on (retired). */
  end?: number;
  /** The frame reader has consumed every byte of it. */
  drained: boolean;
}

export class SlabPool {
  /** Counters for tests and diagnostics. */
  readonly stats = { allocated: 0, reused: 0, tainted: 0 };
  private readonly slabs = new WeakMap<ArrayBufferLike, Slab>();
  private readonly free: Slab[] = [];
  /** Retired slabs not yet drained, in stream order. */
  private readonly retired: Slab[] = [];
  private current: Slab;
  /** Bytes read from the socket so far (stream position). */
  private total = 0;
  private closed = false;

  constructor() {
    this.current = this.fresh();
  }

  /** Where the socket's next read goes (Node's onread.buffer). */
  nextBuffer(): Buffer {
    if (this.current.buf.length - this.current.used < MIN_ROOM) {
      this.current.end = this.total;
      this.retired.push(this.current);
      this.current = this.take();
    }
    return this.current.buf.subarray(this.current.used);
  }

  /** The socket read n bytes into the last buffer given: they are returned as a view. */
  filled(n: number): Buffer {
    const s = this.current;
    const view = s.buf.subarray(s.used, s.used + n);
    s.used += n;
    this.total += n;
    return view;
  }

  /** Whether a buffer is (a view of) one of our slabs. */
  owns(b: Buffer): boolean {
    return this.slabs.has(b.buffer);
  }

  /** The slabs under these pieces may be kept indefinitely by someone: never reuse them. */
  taint(pieces: readonly Buffer[]): void {
    for (const p of pieces) {
      const s = this.slabs.get(p.buffer);
      if (s && !s.tainted) {
        s.tainted = true;
        this.stats.tainted++;
      }
    }
  }

  /**
   * Lends the slabs under these pieces until the returned function is called (once; later calls
   * do nothing). The caller must not touch the pieces after calling it.
   */
  lend(pieces: readonly Buffer[]): () => void {
    const held: Slab[] = [];
    for (const p of pieces) {
      const s = this.slabs.get(p.buffer);
      if (s && !held.includes(s)) {
        s.holds++;
        held.push(s);
      }
    }
    let done = held.length === 0;
    return () => {
      if (done) return;
      done = true;
      for (const s of held) {
        s.holds--;
        this.settle(s);
      }
    };
  }

  /** The frame reader has consumed everything but its last `buffered` bytes. */
  consumedUpTo(buffered: number): void {
    const at = this.total - buffered;
    while (this.retired.length > 0 && (this.retired[0].end as number) <= at) {
      const s = this.retired.shift() as Slab;
      s.drained = true;
      this.settle(s);
    }
  }

  /** The connection is gone: nothing more is kept (lent slabs are simply dropped when released). */
  close(): void {
    this.closed = true;
    this.free.length = 0;
    this.retired.length = 0;
  }

  private settle(s: Slab): void {
    if (!s.drained || s.holds > 0 || s.tainted || this.closed) return;
    if (this.free.length < MAX_FREE) this.free.push(s);
  }

  private take(): Slab {
    const s = this.free.pop();
    if (!s) return this.fresh();
    this.stats.reused++;
    s.used = 0;
    s.end = undefined;
    s.drained = false;
    return s;
  }

  private fresh(): Slab {
    const s: Slab = { buf: Buffer.allocUnsafeSlow(SLAB_SIZE), used: 0, holds: 0, tainted: false, drained: false };
    this.slabs.set(s.buf.buffer, s);
    this.stats.allocated++;
    return s;
  }
}
