/**
 * Memory lent across the SMB client, against Samba. Reading (Share.readEach): every READ's
 * memory is lent to the reader and reused for the next ones, never while anything can still
 * see it (a stream reader that keeps its chunks, a reader that fails halfway, an encrypted
 * session). Writing: SmbWriteStream gives each lent chunk back once, after the WRITEs holding
 * it were answered, so that a download's slabs (slabGet) are read into again.
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { pipeline } from "stream/promises";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { openShare, Share, SmbShare } from "../../../provider/share";
import { lend } from "../../../provider/lending";
import { slabGet } from "../../../provider/soap";

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

test("SmbWriteStream gives a lent chunk back once, after every WRITE with a part of it was answered", async () => {
  const data = randomBytes(10 * MiB + 999);
  // Chunks of 1.5 MiB (each spans two WRITEs of 1 MiB) and a few small ones (copied into staging).
  const sizes = [1.5 * MiB, 3000, 1.5 * MiB, 1.5 * MiB, 100, 1.5 * MiB];
  // The byte ranges whose WRITEs were answered, as the stream's client saw them.
  const client = (share as SmbShare).client;
  const answered: Array<[number, number]> = [];
  const write = client.write.bind(client);
  client.write = async (h, offset, pieces) => {
    await write(h, offset, pieces);
    const len = (Buffer.isBuffer(pieces) ? [pieces] : pieces).reduce((n, b) => n + b.length, 0);
    answered.push([offset, offset + len]);
  };
  const covered = (from: number, to: number): boolean => {
    for (let at = from; at < to; ) {
      const r = answered.find(([a, b]) => a <= at && at < b);
      if (!r) return false;
      at = r[1];
    }
    return true;
  };
  try {
    const ws = share.createWriteStream("lent-out.bin");
    const backs: Array<{ start: number; small: boolean; covered: boolean }> = [];
    let p = 0;
    let lent = 0;
    for (let i = 0; p < data.length; i++) {
      const view = data.subarray(p, Math.min(data.length, p + sizes[i % sizes.length]));
      const start = p;
      const end = p + view.length;
      // A tail of under 8 KiB past a WRITE's end is copied into the next one's staging, not held.
      lend(view, () => backs.push({ start, small: view.length < 8192, covered: covered(start, end - 8192) }));
      lent++;
      p = end;
      if (!ws.write(view)) await new Promise((r) => ws.once("drain", r));
    }
    await new Promise<void>((resolve, reject) => {
      ws.once("error", reject);
      ws.end(() => resolve());
    });
    expect(fs.readFileSync(path.join(srv.dir, "lent-out.bin")).equals(data)).toBe(true);
    // Every chunk came back exactly once, and only once its bytes were on the server (a small
    // one: once copied, which may be earlier).
    expect(backs.length).toBe(lent);
    expect(new Set(backs.map((b) => b.start)).size).toBe(lent);
    const large = backs.filter((b) => !b.small);
    expect(large.length).toBeGreaterThan(4);
    expect(large.filter((b) => !b.covered)).toEqual([]);
  } finally {
    client.write = write;
  }
});

test("a download lent into an SmbWriteStream is read into the same few slabs again", async () => {
  const disk = randomBytes(40 * MiB);
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Length": disk.length });
    res.end(disk);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  try {
    const res = await slabGet(`http://127.0.0.1:${(server.address() as AddressInfo).port}/disk`, { lend: true });
    await pipeline(res, share.createWriteStream("lent-disk.bin"));
    expect(sha(fs.readFileSync(path.join(srv.dir, "lent-disk.bin")))).toBe(sha(disk));
    // Ten or eleven 4 MiB slabs read into: the WRITEs in flight hold a few, the rest are reused.
    expect(res.slabStats.reused).toBeGreaterThanOrEqual(4);
    expect(res.slabStats.allocated).toBeLessThanOrEqual(6);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
