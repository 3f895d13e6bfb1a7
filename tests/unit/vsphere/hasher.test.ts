/** BackgroundHasher: the worker's digests equal Node's own, across slot boundaries and waits. */
import { createHash, randomBytes } from "crypto";
import { BackgroundHasher } from "../../../provider/vsphere/hasher";
import { HashPool } from "../../../provider/vsphere/hashPool";

test("SHA-256 and SHA-1 of a stream fed in uneven chunks match createHash", async () => {
  const data = randomBytes(13 * 1024 * 1024 + 12345);
  const h = new BackgroundHasher({ sha1: true });
  for (let p = 0, i = 0; p < data.length; i++) {
    const n = [16384, 1 << 20, 7, 3 << 20, 100000][i % 5];
    const w = h.update(data.subarray(p, p + n));
    if (w) await w; // the worker is several slots behind: wait, as the export's stream does
    p += n;
  }
  const d = await h.digest();
  expect(d).toEqual({ sha256: createHash("sha256").update(data).digest("hex"), sha1: createHash("sha1").update(data).digest("hex") });
});

test("an empty stream has the empty digests", async () => {
  const h = new BackgroundHasher({ sha1: true });
  expect(await h.digest()).toEqual({ sha256: createHash("sha256").digest("hex"), sha1: createHash("sha1").digest("hex") });
});

test("without sha1 the worker computes SHA-256 only (SHA-1 is \"\")", async () => {
  const data = randomBytes(3 * 1024 * 1024 + 1);
  const h = new BackgroundHasher();
  const w = h.update(data);
  if (w) await w;
  expect(await h.digest()).toEqual({ sha256: createHash("sha256").update(data).digest("hex"), sha1: "" });
});

test("streams share the pool's workers: many at once start at most its limit, each with its own digest", async () => {
  const pool = new HashPool(2);
  const datas = Array.from({ length: 6 }, (_, i) => randomBytes((i + 1) * 700_000));
  const hashers = datas.map(() => new BackgroundHasher({}, pool));
  expect(pool.size).toBe(2);
  await Promise.all(hashers.map(async (h, i) => {
    const w = h.update(datas[i]);
    if (w) await w;
  }));
  const digests = await Promise.all(hashers.map((h) => h.digest()));
  expect(digests.map((d) => d.sha256)).toEqual(datas.map((d) => createHash("sha256").update(d).digest("hex")));
  // A later stream reuses an idle worker instead of starting one.
  const again = new BackgroundHasher({}, pool);
  expect(pool.size).toBe(2);
  expect((await again.digest()).sha256).toBe(createHash("sha256").digest("hex"));
});

test("a stream given up leaves its worker serving the others", async () => {
  const pool = new HashPool(1);
  const a = new BackgroundHasher({}, pool);
  const b = new BackgroundHasher({}, pool);
  a.update(Buffer.from("abandoned"));
  a.destroy();
  b.update(Buffer.from("kept"));
  expect((await b.digest()).sha256).toBe(createHash("sha256").update("kept").digest("hex"));
  expect(pool.size).toBe(1);
});
