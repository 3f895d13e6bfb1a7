/** The socket-read slab pool: a slab is reused only when nothing can still look at it. */
import { SlabPool } from "../../../provider/share/smb/slabs";

/** Fills the pool's current buffer with n bytes of `byte`, as a socket read would. */
function read(pool: SlabPool, n: number, byte: number): Buffer {
  const into = pool.nextBuffer();
  into.fill(byte, 0, n);
  return pool.filled(n);
}

test("a drained, released slab is reused; a held one is not until released", () => {
  const pool = new SlabPool();
  const a = read(pool, 1 << 20, 1); // fills slab 1
  const release = pool.lend([a]);
  const b = read(pool, 1 << 20, 2); // retires slab 1, fills slab 2
  pool.consumedUpTo(0); // the reader took everything so far
  read(pool, 1000, 3); // retires slab 2 (drained, nothing held): it is reused next time
  expect(pool.stats).toEqual({ allocated: 3, reused: 0, tainted: 0 });
  expect(a[0]).toBe(1); // slab 1 held: untouched
  release();
  release(); // a second call does nothing
  pool.consumedUpTo(0);
  expect(b.length).toBe(1 << 20);
  // Slab 3 still has room; fill it so the next read must take a free slab.
  read(pool, (1 << 20) - 1000, 4);
  read(pool, 10, 5);
  expect(pool.stats.reused).toBe(1);
});

test("a tainted slab and one the reader has not consumed are never reused", () => {
  const pool = new SlabPool();
  const kept = read(pool, 1 << 20, 7);
  pool.taint([kept]);
  read(pool, 1 << 20, 8);
  pool.consumedUpTo(1 << 20); // the second slab's bytes are still buffered by the reader
  read(pool, 1 << 20, 9);
  read(pool, 1 << 20, 10);
  expect(pool.stats.reused).toBe(0);
  expect(kept.every((x) => x === 7)).toBe(true);
  pool.consumedUpTo(0);
  read(pool, 1 << 20, 11);
  read(pool, 10, 12);
  expect(pool.stats.reused).toBeGreaterThan(0);
  expect(kept.every((x) => x === 7)).toBe(true); // the tainted slab kept its bytes
  expect(pool.stats.tainted).toBe(1);
});

test("pieces not in a slab are not held or tainted", () => {
  const pool = new SlabPool();
  const other = Buffer.alloc(100);
  expect(pool.owns(other)).toBe(false);
  pool.taint([other]);
  pool.lend([other])();
  expect(pool.stats.tainted).toBe(0);
});
