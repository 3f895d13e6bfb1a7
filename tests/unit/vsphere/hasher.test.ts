/** BackgroundHasher: the worker's digests equal Node's own, across slot boundaries and waits. */
import { createHash, randomBytes } from "crypto";
import { BackgroundHasher } from "../../../provider/vsphere/hasher";

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
