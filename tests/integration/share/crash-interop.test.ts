/** A server killed mid-write publishes nothing; smbclient and our client read each other's files. */
import { execFile } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Readable } from "stream";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { cleanupStalePartials, openShare, publishFolder, SmbConnectionError, Share } from "../../../provider/share";

const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

function smbclient(srv: SmbdInstance, authFile: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("smbclient", [`//${srv.host}/${srv.share}`, "-p", String(srv.port), "-A", authFile, "-c", cmd], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`smbclient ${cmd}: ${stderr || stdout || err.message}`));
      else resolve(stdout);
    });
  });
}

test("the server killed mid-write: a connection error, nothing published, no hang; reconnect when it is back", async () => {
  const srv = await startSmbd();
  let share: Share | undefined;
  try {
    share = await openShare(`\\\\${srv.host}:${srv.port}\\${srv.share}`, { user: srv.user, password: srv.password });
    let sent = 0;
    let killed = false;
    // An endless disk: the server dies after 64 MiB have gone out.
    const disk = new Readable({
      read() {
        if (sent >= 64 << 20 && !killed) {
          killed = true;
          srv.kill();
        }
        sent += 1 << 20;
        this.push(Buffer.alloc(1 << 20, sent & 0xff));
      },
    });
    const t0 = Date.now();
    const err = await publishFolder(share, "exports", "vm1", async (p) => {
      await p.writeFile("vm1.ovf", "<Envelope/>");
      await p.writeFile("vm1-disk1.vmdk", disk);
    }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(err).toBeInstanceOf(SmbConnectionError);
    expect((err as Error).message).toMatch(/connection to .* (was lost|failed)/);
    disk.destroy();
    // Nothing under the final name; at most the hidden partial folder, which cleanup removes later.
    const names = fs.readdirSync(path.join(srv.dir, "exports"));
    expect(names).not.toContain("vm1");
    expect(names.every((n) => /^\.vm1\.partial-[0-9a-f]+$/.test(n))).toBe(true);
    // Later operations try to reconnect and fail fast with a clear error rather than hanging.
    await expect(share.stat("exports")).rejects.toMatchObject({ code: "ECONNREFUSED" });

    // The server comes back (same address, port and account): the share reconnects by itself,
    // and cleanup of the interrupted publication then removes the partial folder.
    const again = await startSmbd({ address: srv.host, port: srv.port, user: srv.user, password: srv.password });
    try {
      fs.cpSync(path.join(srv.dir, "exports"), path.join(again.dir, "exports"), { recursive: true });
      expect(await cleanupStalePartials(share, "exports")).toHaveLength(names.length);
      await publishFolder(share, "exports", "vm1", async (p) => void (await p.writeFile("vm1.ovf", "<Envelope/>")));
      expect(fs.readdirSync(path.join(again.dir, "exports"))).toEqual(["vm1"]);
      const chunks: Buffer[] = [];
      for await (const c of share.createReadStream("exports/vm1/vm1.ovf")) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe("<Envelope/>");
    } finally {
      await share.close();
      await again.stop();
    }
  } finally {
    await share?.close();
    await srv.stop();
  }
});

describe("interoperability with smbclient", () => {
  let srv: SmbdInstance;
  let share: Share;
  let tmp: string;
  let auth: string;
  beforeAll(async () => {
    srv = await startSmbd();
    share = await openShare(`//${srv.host}:${srv.port}/${srv.share}`, { user: srv.user, password: srv.password, domain: srv.domain });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "smbinterop-"));
    auth = path.join(tmp, "auth");
    // Credentials in a 0600 file, not in argv.
    fs.writeFileSync(auth, `username = ${srv.user}\npassword = ${srv.password}\ndomain = ${srv.domain}\n`, { mode: 0o600 });
  });
  afterAll(async () => {
    await share?.close();
    await srv?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("smbclient writes, we read byte for byte", async () => {
    const data = randomBytes((9 << 20) + 321);
    fs.writeFileSync(path.join(tmp, "from-smbclient.bin"), data);
    await smbclient(srv, auth, `mkdir "dir with space"; put ${path.join(tmp, "from-smbclient.bin")} "dir with space\\ünïcödé.bin"`);
    const back = await share.readFile("dir with space/ünïcödé.bin");
    expect(back.length).toBe(data.length);
    expect(sha(back)).toBe(sha(data));
    expect((await share.list("dir with space")).map((e) => e.name)).toEqual(["ünïcödé.bin"]);
  });

  test("we write, smbclient reads byte for byte", async () => {
    const data = randomBytes((7 << 20) + 77);
    await share.mkdirp("ours/sub");
    await share.writeFile("ours/sub/from-us.bin", data);
    const out = path.join(tmp, "from-us.bin");
    await smbclient(srv, auth, `get "ours\\sub\\from-us.bin" ${out}`);
    expect(sha(fs.readFileSync(out))).toBe(sha(data));
    const ls = await smbclient(srv, auth, 'ls "ours\\sub\\*"');
    expect(ls).toMatch(new RegExp(`from-us\\.bin\\s+A\\s+${data.length}`));
  });
});
