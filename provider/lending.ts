/**
 * Memory lent along a pipeline. A producer (slabGet, reading a disk into large slabs) marks the
 * views it hands out as lent; a sink that takes part (SmbWriteStream) gives each chunk it was
 * written back once done with it (its WRITE answered), and the producer reuses the memory for
 * later reads. A fresh slab for every 4 MiB of a disk costs the process garbage collections in
 * proportion to the disk's size; reused slabs cost nothing.
 *
 * What keeps it safe: only the exact view lent can be given back (a copy or a slice of it is
 * not lent), and a producer lends only to a reader that hands its chunks to nothing else than
 * such a sink (copyDisk: the hasher copies what it is given at once). A lent chunk written to
 * any other sink is never given back: its memory is then left to the garbage collector, as
 * any buffer's would be.
 */

const loans = new WeakMap<Buffer, () => void>();

/** Marks a view as lent: `back` is called once, when a sink that takes part is done with it. */
export function lend(view: Buffer, back: () => void): void {
  loans.set(view, back);
}

/** Gives a chunk back to its producer (nothing for a chunk that was not lent, or given back already). */
export function giveBack(chunk: Buffer): void {
  const back = loans.get(chunk);
  if (!back) return;
  loans.delete(chunk);
  back();
}
