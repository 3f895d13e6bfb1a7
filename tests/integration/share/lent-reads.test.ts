/**
 * Share.readEach against Samba: every READ's memory is lent to the reader and reused for the
 * next ones, never while anything can still see it (a stream reader that keeps its chunks, a
 * reader that fails halfway, an encrypted session).
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { openShare, Share, SmbShare } from "../../../provider/share";

const MiB = 1 << 20;
const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

let srv: SmbdInstance;
let share: Share;
const files: Record<string, Buffer> = {};
beforeAll(async () => {
  srv = await startSmbd();
  for (const [name, size] of [["a.bin", 40 * MiB + 12345], ["b.bin", 24 * MiB + 7]] as const) {
    files[name] = randomBytes(size);
    fs.writeFileSync(path.join(srv.dir, name), files[name]);
  }
  share = await openShare(srv.unc, { user: srv.user, password: srv.password, domain: srv.domain });
});
afterAll(async () => {
  await share?.close();
  await srv?.stop();
});

test("readEach hashes a file with a fixed handful of slabs, reused for every READ", async () => {
  const client = (share as SmbShare).client;
  const before = { ...client.slabStats };
  const h = createHash("sha256");
  const n = await share.readEach("a.bin", (piece) => void h.update(piece));
  expect(n).toBe(files["a.bin"].length);
  expect(h.digest("hex")).toBe(sha(files["a.bin"]));
  const allocated = client.slabStats.allocated - before.allocated;
  const reused = client.slabStats.reused - before.reused;
  // 40 MiB through 1 MiB slabs: a few new ones (8 READs in flight), the rest reused.
  expect(allocated).toBeLessThanOrEqual(14);
  expect(reused).toBeGreaterThan(25);
  expect(client.signed).toBe(true);
});

test("a stream reader's kept chunks survive lent reads on the same connection", async () => {
  const kept: Buffer[] = [];
  const streamed = (async () => {
    for await (const c of share.createReadStream("b.bin")) kept.push(c as Buffer);
  })();
  const h = createHash("sha256");
  // A slow reader: its slabs are held while it waits, and reused after.
  const lent = share.readEach("a.bin", async (piece) => {
    h.update(piece);
    await new Promise((r) => setImmediate(r));
  });
  await Promise.all([streamed, lent]);
  // Then more lent reads, which would overwrite any slab wrongly reused under the kept chunks.
  await share.readEach("a.bin", (piece) => void piece.fill(0));
  expect(h.digest("hex")).toBe(sha(files["a.bin"]));
  expect(sha(Buffer.concat(kept))).toBe(sha(files["b.bin"]));
  expect((share as SmbShare).client.slabStats.tainted).toBeGreaterThan(0);
});

test("a reader that fails halfway fails readEach; the connection reads on, correctly", async () => {
  const client = (share as SmbShare).client;
  const allocated = client.slabStats.allocated;
  let seen = 0;
  await expect(
    share.readEach("a.bin", (piece) => {
      seen += piece.length;
      if (seen > 10 * MiB) throw new Error("reader gave up");
    }),
  ).rejects.toThrow("reader gave up");
  const h = createHash("sha256");
  await share.readEach("a.bin", (piece) => void h.update(piece), { start: 5, end: 20 * MiB });
  expect(h.digest("hex")).toBe(sha(files["a.bin"].subarray(5, 20 * MiB + 1)));
  // The failed read's replies still in flight gave their slabs back: the next read reused them.
  expect(client.slabStats.allocated - allocated).toBeLessThanOrEqual(14);
});

test("on an encrypted session readEach reads the decrypted bytes", async () => {
  const enc = await startSmbd({ encrypt: "required" });
  const data = randomBytes(6 * MiB + 3);
  fs.writeFileSync(path.join(enc.dir, "e.bin"), data);
  const s = await openShare(enc.unc, { user: enc.user, password: enc.password, domain: enc.domain });
  try {
    const h = createHash("sha256");
    expect(await s.readEach("e.bin", (piece) => void h.update(piece))).toBe(data.length);
    expect(h.digest("hex")).toBe(sha(data));
    expect((s as SmbShare).client.stats.encryptedResponses).toBeGreaterThan(6);
  } finally {
    await s.close();
    await enc.stop();
  }
});
