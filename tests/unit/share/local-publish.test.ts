import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import { createHash } from "crypto";
import { openShare, publishFolder, cleanupStalePartials, Publication, Share } from "../../../provider/share";

let root: string;
let share: Share;
beforeEach(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "share-unit-"));
  share = await openShare(root);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const sha = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");

test("local backend: mkdirp, write, stat, list, read, rename over existing, remove", async () => {
  await share.mkdirp("a/b/c");
  await share.mkdirp("a/b/c");
  const w = await share.writeFile("a/b/c/x.txt", "hello");
  expect(w).toEqual({ path: "a/b/c/x.txt", size: 5, sha256: sha("hello") });
  expect((await share.stat("a/b/c/x.txt"))?.size).toBe(5);
  expect(await share.stat("nope")).toBeUndefined();
  await share.writeFile("a/b/c/y.txt", "other");
  await expect(share.rename("a/b/c/x.txt", "a/b/c/y.txt")).rejects.toMatchObject({ code: "EEXIST" });
  await share.rename("a/b/c/x.txt", "a/b/c/y.txt", { replace: true });
  expect((await share.readFile("a/b/c/y.txt")).toString()).toBe("hello");
  expect((await share.list("a/b/c")).map((e) => e.name)).toEqual(["y.txt"]);
  await expect(share.writeFile("a/b/c/y.txt", "z", { overwrite: false })).rejects.toMatchObject({ code: "EEXIST" });
  await share.remove("a", { recursive: true });
  expect(await share.stat("a")).toBeUndefined();
  await share.remove("a", { recursive: true }); // missing: no-op
});

test("opening a missing local folder fails clearly", async () => {
  await expect(openShare(path.join(root, "missing"))).rejects.toThrow(/does not exist/);
});

test("publish: nothing visible until commit; then the complete folder with hashes", async () => {
  const pub = await Publication.begin(share, "exports", "vm1");
  await pub.writeFile("vm1.ovf", "<ovf/>");
  const ws = pub.createWriteStream("disk.vmdk");
  await pipeline(Readable.from([Buffer.alloc(3000, 1), Buffer.alloc(5000, 2)]), ws);
  expect(await share.stat("exports/vm1")).toBeUndefined();
  expect((await share.list("exports")).map((e) => e.name)).toEqual([path.basename(pub.tempPath)]);
  expect(path.basename(pub.tempPath)).toMatch(/^\.vm1\.partial-[0-9a-f]+$/);
  const res = await pub.commit();
  expect(res.path).toBe("exports/vm1");
  expect(res.files.find((f) => f.path === "disk.vmdk")?.size).toBe(8000);
  expect((await share.list("exports")).map((e) => e.name)).toEqual(["vm1"]);
  expect((await share.readFile("exports/vm1/vm1.ovf")).toString()).toBe("<ovf/>");
});

test("publish refuses to replace unless asked, and replaces a previous folder when asked", async () => {
  await publishFolder(share, "exports", "vm1", async (p) => void (await p.writeFile("a.txt", "old")));
  await expect(publishFolder(share, "exports", "vm1", async () => undefined)).rejects.toMatchObject({ code: "EEXIST" });
  await publishFolder(share, "exports", "vm1", async (p) => void (await p.writeFile("b.txt", "new")), { replace: true, verify: "sha256" });
  expect((await share.list("exports/vm1")).map((e) => e.name)).toEqual(["b.txt"]);
  expect((await share.list("exports")).map((e) => e.name)).toEqual(["vm1"]);
});

test("a failing writer aborts: no final folder, no partial left", async () => {
  const boom = new Readable({ read() { this.destroy(new Error("source failed")); } });
  await expect(publishFolder(share, "exports", "vm2", async (p) => void (await p.writeFile("disk.vmdk", boom)))).rejects.toThrow(/source failed/);
  expect(await share.list("exports")).toEqual([]);
});

test("verification catches a file changed behind our back", async () => {
  const pub = await Publication.begin(share, "exports", "vm3");
  await pub.writeFile("disk.vmdk", Buffer.alloc(100));
  fs.truncateSync(path.join(root, pub.tempPath, "disk.vmdk"), 50);
  await expect(pub.commit()).rejects.toThrow(/verification .* failed: 50 bytes on the share, 100 written/);
  expect(await share.stat("exports/vm3")).toBeUndefined();
});

test("cleanupStalePartials removes leftovers only", async () => {
  await share.mkdirp("exports/.vm1.partial-0123abcd/sub");
  await share.mkdirp("exports/.vm2.old-89abcdef");
  await share.mkdirp("exports/vm1");
  await share.mkdirp("exports/.hidden");
  const removed = await cleanupStalePartials(share, "exports");
  expect(removed.sort()).toEqual(["exports/.vm1.partial-0123abcd", "exports/.vm2.old-89abcdef"]);
  expect((await share.list("exports")).map((e) => e.name).sort()).toEqual([".hidden", "vm1"]);
  await share.mkdirp("exports/.vm1.partial-0123abce");
  expect(await cleanupStalePartials(share, "exports", { olderThanMs: 3600_000 })).toEqual([]);
});

test("local space reports the volume", async () => {
  const sp = (await share.space())!;
  expect(sp.totalBytes).toBeGreaterThan(0);
  expect(sp.freeBytes).toBeLessThanOrEqual(sp.totalBytes);
});
