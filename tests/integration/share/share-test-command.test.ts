// `applayering share test` against Samba's smbd: what an admin runs before any stack.
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { main } from "../../../cli/main";
import type { CliIo } from "../../../cli/io";
import { startSmbd, type SmbdInstance } from "../../../sim/smbd";

let smbd: SmbdInstance;

beforeAll(async () => {
  smbd = await startSmbd({ extraShares: [{ name: "readonly", options: ["read only = yes"] }] });
});
afterAll(async () => {
  await smbd?.stop();
});

async function shareTest(args: string[], env: Record<string, string | undefined> = {}) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: { APPLAYERING_SHARE_USER: smbd.user, APPLAYERING_SHARE_PASSWORD: smbd.password, ...env },
  };
  const code = await main(["share", "test", ...args], io);
  return { code, stdout, stderr };
}

describe("applayering share test", () => {
  it("creates the folder when asked, writes, reads back and removes the probe: exit 0", async () => {
    const r = await shareTest([`${smbd.unc}\\exports\\os`, "--create", "--size", "4"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^session  SMB 3\.1\.1, signing on, encryption off$/m);
    expect(r.stdout).toMatch(/^folder   exports\/os created$/m);
    expect(r.stdout).toMatch(/^space    [\d.]+ GiB free of [\d.]+ GiB$/m);
    expect(r.stdout).toMatch(/^write    4 MiB in [\d.]+ s \([\d.]+ MB\/s\)$/m);
    expect(r.stdout).toMatch(/^read     4 MiB in [\d.]+ s \([\d.]+ MB\/s\), identical$/m);
    expect(r.stdout).toMatch(/^ok: /m);
    expect(fs.statSync(path.join(smbd.dir, "exports", "os")).isDirectory()).toBe(true);
    expect(fs.readdirSync(path.join(smbd.dir, "exports", "os"))).toEqual([]);
    // A second run finds the folder.
    expect((await shareTest([`${smbd.unc}\\exports\\os`, "--size", "1"])).stdout).toMatch(/^folder   exports\/os exists$/m);
  });

  it("a missing folder without --create is a failed check (exit 1) that names the option", async () => {
    const r = await shareTest([`${smbd.unc}\\not-there`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/folder   FAILED: not-there does not exist; run again with --create/);
    expect(fs.existsSync(path.join(smbd.dir, "not-there"))).toBe(false);
  });

  it("no write permission is a failed check (exit 1) with the permission hint", async () => {
    const r = await shareTest([`\\\\${smbd.host}:${smbd.port}\\readonly`, "--size", "1"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^write    FAILED: .*change\/write permission/m);
    expect(r.stdout).toMatch(/^failed: write$/m);
    expect(fs.readdirSync(smbd.extraDirs.readonly)).toEqual([]);
  });

  it("a wrong password cannot log on: exit 2, one line, the password nowhere", async () => {
    const r = await shareTest([`${smbd.unc}\\exports`], { APPLAYERING_SHARE_PASSWORD: "Wr0ng-Secret-42" });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/logon|password/i);
    expect(r.stderr).not.toContain("Wr0ng-Secret-42");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("nothing listening: exit 2", async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    const r = await shareTest([`\\\\127.0.0.1:${port}\\layers\\x`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/127\.0\.0\.1/);
  });

  it("refuses a bad --size and missing credentials before connecting", async () => {
    expect((await shareTest([`${smbd.unc}`, "--size", "0"])).stderr).toMatch(/--size takes whole MiB/);
    const r = await shareTest([`${smbd.unc}`], { APPLAYERING_SHARE_PASSWORD: undefined });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/APPLAYERING_SHARE_PASSWORD/);
    const bad = await shareTest([`${smbd.unc}`], { APPLAYERING_SHARE_SIGNING: "sometimes" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/applayering:shareSigning \(or APPLAYERING_SHARE_SIGNING\) must be "required" or "optional", got "sometimes"/);
  });
});
