/** The Share API over our SMB client against a private smbd, plus the failure cases. */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Readable } from "stream";
import { pipeline } from "stream/promises";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { openShare, Publication, publishFolder, cleanupStalePartials, Share, SmbShare, SmbStatusError } from "../../../provider/share";
import { SmbClient } from "../../../provider/share/smb/client";
import { Dialect } from "../../../provider/share/smb/constants";

let srv: SmbdInstance;
let share: Share;
const creds = (): { user: string; password: string; domain: string } => ({ user: srv.user, password: srv.password, domain: srv.domain });

beforeAll(async () => {
  srv = await startSmbd({ extraShares: [{ name: "ro", options: ["read only = yes"] }], maxFileSizeKiB: 4096 });
  fs.mkdirSync(path.join(srv.dir, "base"));
  share = await openShare(`\\\\${srv.host}:${srv.port}\\${srv.share}\\base`, creds());
});
afterAll(async () => {
  await share?.close();
  await srv?.stop();
});

const sha = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");
const local = (...p: string[]): string => path.join(srv.dir, "base", ...p);

test("location is the UNC path, without credentials", () => {
  expect(share.location).toBe(`\\\\${srv.host}:${srv.port}\\${srv.share}\\base`);
});

test("round trips: empty file and small file", async () => {
  await share.mkdirp("rt");
  const e = await share.writeFile("rt/empty.bin", Buffer.alloc(0));
  expect(e.size).toBe(0);
  expect((await share.readFile("rt/empty.bin")).length).toBe(0);
  expect(fs.statSync(local("rt", "empty.bin")).size).toBe(0);
  const data = randomBytes(100_003);
  const w = await share.writeFile("rt/small.bin", data);
  expect(w.sha256).toBe(sha(data));
  expect(sha(await share.readFile("rt/small.bin"))).toBe(sha(data));
  expect(sha(fs.readFileSync(local("rt", "small.bin")))).toBe(sha(data));
  // Ranged read, inclusive end as fs.createReadStream.
  const chunks: Buffer[] = [];
  for await (const c of share.createReadStream("rt/small.bin", { start: 10, end: 19 })) chunks.push(c as Buffer);
  expect(Buffer.concat(chunks).equals(data.subarray(10, 20))).toBe(true);
});

test("directory operations: mkdir -p, stat, list, remove recursive", async () => {
  await share.mkdirp("d1/d2/d3");
  await share.mkdirp("d1/d2/d3");
  await share.writeFile("d1/d2/f.txt", "x");
  await share.writeFile("d1/d2/d3/g.txt", "yy");
  expect(await share.stat("d1/d2")).toMatchObject({ isDirectory: true });
  expect(await share.stat("d1/d2/d3/g.txt")).toMatchObject({ isDirectory: false, size: 2 });
  expect(await share.stat("d1/missing")).toBeUndefined();
  const names = (await share.list("d1/d2")).map((e) => `${e.name}:${e.isDirectory}`).sort();
  expect(names).toEqual(["d3:true", "f.txt:false"]);
  await expect(share.remove("d1")).rejects.toMatchObject({ code: "ENOTEMPTY" });
  await share.remove("d1", { recursive: true });
  expect(fs.existsSync(local("d1"))).toBe(false);
  await share.remove("d1", { recursive: true });
  await expect(share.list("nowhere")).rejects.toMatchObject({ code: "ENOENT" });
});

test("rename, including over an existing name", async () => {
  await share.mkdirp("rn");
  await share.writeFile("rn/a.txt", "AAA");
  await share.writeFile("rn/b.txt", "B");
  await expect(share.rename("rn/a.txt", "rn/b.txt")).rejects.toMatchObject({ code: "EEXIST" });
  await share.rename("rn/a.txt", "rn/b.txt", { replace: true });
  expect(fs.readFileSync(local("rn", "b.txt"), "utf8")).toBe("AAA");
  expect(fs.existsSync(local("rn", "a.txt"))).toBe(false);
  // Folders: replacing a non-empty folder moves the old one aside and removes it.
  await share.mkdirp("rn/new/sub");
  await share.writeFile("rn/new/sub/n.txt", "new");
  await share.mkdirp("rn/old");
  await share.writeFile("rn/old/o.txt", "old");
  await share.rename("rn/new", "rn/old", { replace: true });
  expect(fs.readdirSync(local("rn")).sort()).toEqual(["b.txt", "old"]);
  expect(fs.readFileSync(local("rn", "old", "sub", "n.txt"), "utf8")).toBe("new");
  await expect(share.writeFile("rn/b.txt", "no", { overwrite: false })).rejects.toMatchObject({ code: "EEXIST" });
});

test("set size (truncate, extend) and volume space", async () => {
  await share.writeFile("sized.bin", Buffer.alloc(1000, 1));
  const c = (share as SmbShare).client;
  await c.setSize("base/sized.bin", 10);
  expect(fs.statSync(local("sized.bin")).size).toBe(10);
  await c.setSize("base/sized.bin", 5000);
  expect((await share.stat("sized.bin"))?.size).toBe(5000);
  const sp = (await share.space())!;
  const st = fs.statfsSync(srv.dir);
  expect(sp.totalBytes).toBe(st.blocks * st.bsize);
  expect(sp.freeBytes).toBeGreaterThan(0);
  expect(sp.freeBytes).toBeLessThanOrEqual(sp.totalBytes);
});

test("atomic publish over SMB: hidden until verified, then in place; replace; cleanup", async () => {
  const pub = await Publication.begin(share, "exports", "vm1");
  await pipeline(Readable.from([randomBytes(3 << 20), randomBytes(12345)]), pub.createWriteStream("vm1-disk1.vmdk"));
  await pub.writeFile("vm1.ovf", "<Envelope/>");
  expect(fs.readdirSync(local("exports"))).toEqual([path.basename(pub.tempPath)]);
  const res = await pub.commit();
  expect(fs.readdirSync(local("exports"))).toEqual(["vm1"]);
  const disk = res.files.find((f) => f.path === "vm1-disk1.vmdk");
  expect(disk?.size).toBe((3 << 20) + 12345);
  expect(disk?.sha256).toBe(sha(fs.readFileSync(local("exports", "vm1", "vm1-disk1.vmdk"))));

  await expect(Publication.begin(share, "exports", "vm1")).rejects.toMatchObject({
    code: "EEXIST",
    message: expect.stringContaining(`\\base\\exports\\vm1 already exists: remove it or publish with replace`),
  });
  await publishFolder(share, "exports", "vm1", async (p) => void (await p.writeFile("vm1.ovf", "<v2/>")), { replace: true, verify: "sha256" });
  expect(fs.readdirSync(local("exports", "vm1"))).toEqual(["vm1.ovf"]);
  expect(fs.readdirSync(local("exports"))).toEqual(["vm1"]);

  fs.mkdirSync(local("exports", ".vm9.partial-00112233"));
  fs.writeFileSync(local("exports", ".vm9.partial-00112233", "x"), "x");
  expect(await cleanupStalePartials(share, "exports")).toEqual(["exports/.vm9.partial-00112233"]);
  expect(fs.readdirSync(local("exports"))).toEqual(["vm1"]);
});

test("several writes in flight and interim STATUS_PENDING responses are handled", async () => {
  const s = share as SmbShare;
  const before = { ...s.client.stats };
  const data = randomBytes((4 << 20) - 4096); // under the 4 MiB file-size limit of this server
  await share.writeFile("inflight.bin", data);
  expect(sha(await share.readFile("inflight.bin"))).toBe(sha(data));
  expect(s.client.stats.maxInFlight).toBeGreaterThan(1);
  expect(s.client.stats.requests).toBeGreaterThan(before.requests + 8);
});

test("interim STATUS_PENDING: an async operation completes later, or is cancelled", async () => {
  const c = (share as SmbShare).client;
  await share.mkdirp("watched");
  const waitInterim = async (n: number): Promise<void> => {
    for (let i = 0; i < 200 && c.stats.interimResponses < n; i++) await new Promise((r) => setTimeout(r, 10));
  };
  await c.withHandle("base/watched", { access: "read", directory: true }, async (h) => {
    // Completion after the interim response.
    const before = c.stats.interimResponses;
    const changed = c.waitForChange(h);
    await waitInterim(before + 1);
    expect(c.stats.interimResponses).toBe(before + 1);
    fs.writeFileSync(local("watched", "new.txt"), "x");
    await expect(changed).resolves.toBe(true);
  });
  // A fresh handle: the first one may hold further buffered change events.
  await c.withHandle("base/watched", { access: "read", directory: true }, async (h) => {
    // CANCEL after the interim response (async form).
    const before = c.stats.interimResponses;
    const ac = new AbortController();
    const cancelled = c.waitForChange(h, ac.signal);
    await waitInterim(before + 1);
    ac.abort();
    await expect(cancelled).resolves.toBe(false);
    // The connection is still healthy afterwards.
    await c.echo();
  });
});

test("disk full is reported as ENOSPC and nothing is published", async () => {
  const err = await publishFolder(share, "exports", "toolarge", async (p) => {
    await p.writeFile("disk.vmdk", Readable.from([randomBytes(6 << 20)]));
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SmbStatusError);
  expect(err).toMatchObject({ code: "ENOSPC" });
  expect((err as Error).message).toMatch(/STATUS_DISK_FULL.*free space/);
  expect(fs.readdirSync(local("exports"))).toEqual(["vm1"]);
});

test("wrong password: EAUTH, a clear message, no password in it", async () => {
  const err = await openShare(`//${srv.host}:${srv.port}/${srv.share}`, { ...creds(), password: "Wrong-Secret-123" }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: "EAUTH" });
  expect((err as Error).message).toMatch(/LOGON_FAILURE.*user name, domain or password is wrong/);
  expect((err as Error).message).not.toContain("Wrong-Secret-123");
  expect(JSON.stringify(err)).not.toContain("Wrong-Secret-123");
});

test("missing share: ENOSHARE naming the share", async () => {
  const err = await openShare(`\\\\${srv.host}:${srv.port}\\nosuchshare`, creds()).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: "ENOSHARE" });
  expect((err as Error).message).toMatch(/nosuchshare.*BAD_NETWORK_NAME/);
});

test("missing base folder and access denied", async () => {
  await expect(openShare(`\\\\${srv.host}:${srv.port}\\${srv.share}\\no\\such`, creds())).rejects.toThrow(/does not exist/);
  const ro = await openShare(`\\\\${srv.host}:${srv.port}\\ro`, creds());
  try {
    const err = await ro.writeFile("x.txt", "x").catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "EACCES" });
    expect((err as Error).message).toMatch(/ACCESS_DENIED.*permissions/);
  } finally {
    await ro.close();
  }
});

test("connection refused is a clear connection error", async () => {
  const err = await SmbClient.connect({ host: srv.host, port: 1, share: "x", user: "u", password: "p" }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: "ECONNREFUSED" });
  expect((err as Error).message).toMatch(/connection to .*:1 failed/);
});

test("3.1.1-only server: we negotiate 3.1.1; a client limited to 2.x/3.0 gets a clear error", async () => {
  const strict = await startSmbd({ minProtocol: "SMB3_11" });
  try {
    const c = await SmbClient.connect({ host: strict.host, port: strict.port, share: strict.share, user: strict.user, password: strict.password });
    expect(c.dialect).toBe(Dialect.SMB311);
    await c.mkdirp("x");
    await c.disconnect();
    const err = await SmbClient.connect({
      host: strict.host, port: strict.port, share: strict.share, user: strict.user, password: strict.password,
      dialects: [Dialect.SMB202, Dialect.SMB210, Dialect.SMB300, Dialect.SMB302],
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/NEGOTIATE \(offered SMB 2.0.2, 2.1, 3.0, 3.0.2; the server accepts none of them/);
  } finally {
    await strict.stop();
  }
});
