/** `ovf inspect \\host:port\share\...` against a private Samba smbd, through the product's share client. */
import { createHash } from "crypto";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "fs";
import { join } from "path";
import { formatManifest } from "../../../provider/ovf";
import { SmbdInstance, startSmbd } from "../../../sim/smbd";
import { BuiltCli } from "./builtCli";
import { descriptorFor, GIB, qemuVmdk } from "../ovf/qemuVmdk";

const FIXTURES = join(__dirname, "..", "..", "fixtures", "ovf");

let srv: SmbdInstance;
let cli: BuiltCli;

beforeAll(async () => {
  cli = BuiltCli.build();
  srv = await startSmbd();
  const folder = join(srv.dir, "exports", "win2019");
  mkdirSync(folder, { recursive: true });
  // A real streamOptimized VMDK (qemu-img) of the descriptor's 60 GB: its header and footer are read over SMB.
  const disk = qemuVmdk(join(folder, "win2019-disk-0.vmdk"), 60 * GIB, { dataBytes: 300_000 });
  descriptorFor(join(FIXTURES, "win2019-bios.ovf"), join(folder, "win2019.ovf"), disk);
  const sha = (f: string) => createHash("sha256").update(readFileSync(join(folder, f))).digest("hex");
  writeFileSync(join(folder, "win2019.mf"), formatManifest([
    { name: "win2019-disk-0.vmdk", sha256: sha("win2019-disk-0.vmdk") },
    { name: "win2019.ovf", sha256: sha("win2019.ovf") },
  ]));
  copyFileSync(join(FIXTURES, "ganeti", "corrupted_resources.ovf"), join(folder, "..", "ovftool.ovf"));
});

afterAll(async () => {
  await srv?.stop();
  cli?.dispose();
});

function env(password = srv.password): Record<string, string> {
  return { APPLAYERING_SHARE_USER: srv.user, APPLAYERING_SHARE_PASSWORD: password, APPLAYERING_SHARE_DOMAIN: srv.domain };
}

function unc(...rest: string[]): string {
  return `\\\\${srv.host}:${srv.port}\\${srv.share}\\${rest.join("\\")}`;
}

test("a fit export on the share: exit 0, the manifest hashed over SMB", () => {
  const r = cli.run(["ovf", "inspect", unc("exports", "win2019", "win2019.ovf")], { env: env() });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toContain(`OVF             ${unc("exports", "win2019", "win2019.ovf")}`);
  expect(r.stdout).toMatch(/Manifest\s+win2019\.mf: 2 entries \(SHA256\), hashes checked/);
  expect(r.stdout).toMatch(/Fit for an App Layering OS layer/);
});

test("the export folder on the share, as JSON", () => {
  const r = cli.run(["ovf", "inspect", "--json", unc("exports", "win2019")], { env: env() });
  expect(r.status).toBe(0);
  const size = statSync(join(srv.dir, "exports", "win2019", "win2019-disk-0.vmdk")).size;
  expect(JSON.parse(r.stdout)).toMatchObject({ fit: true, files: [{ href: "win2019-disk-0.vmdk", presentSize: size, vmdk: { kind: "streamOptimized", capacityBytes: 60 * GIB } }] });
});

test("a disk cut short on the share: exit 1, found from its header and tail read over SMB", () => {
  const from = join(srv.dir, "exports", "win2019");
  const folder = join(srv.dir, "exports", "cut");
  mkdirSync(folder, { recursive: true });
  copyFileSync(join(from, "win2019.ovf"), join(folder, "win2019.ovf"));
  const bytes = readFileSync(join(from, "win2019-disk-0.vmdk"));
  // qemu-img puts the tables first and ends with 64 KiB of zeros: cut inside the grains before them.
  writeFileSync(join(folder, "win2019-disk-0.vmdk"), bytes.subarray(0, bytes.length - 128 * 1024));
  const r = cli.run(["ovf", "inspect", unc("exports", "cut", "win2019.ovf")], { env: env() });
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/VMDK_TRUNCATED at DiskSection\/Disk\[vmdisk1\]: win2019-disk-0\.vmdk: .*cut short/);
});

test("an unfit descriptor on the share: exit 1 with the problems", () => {
  const r = cli.run(["ovf", "inspect", unc("exports", "ovftool.ovf")], { env: env() });
  expect(r.status).toBe(1);
  expect(r.stdout).toContain("NIC_NOT_VMXNET3");
  expect(r.stdout).toContain("FILE_MISSING");
});

test("a missing file and a wrong password: exit 2, one line, no password", () => {
  const missing = cli.run(["ovf", "inspect", unc("exports", "nope.ovf")], { env: env() });
  expect(missing.status).toBe(2);
  expect(missing.stderr).toMatch(/^applayering: .*nope\.ovf: no such file/);
  const wrong = "definitely-Wrong-9";
  const denied = cli.run(["ovf", "inspect", unc("exports", "win2019", "win2019.ovf")], { env: env(wrong) });
  expect(denied.status).toBe(2);
  expect(denied.stderr).toMatch(/^applayering: /);
  expect(denied.stderr.trim().split("\n")).toHaveLength(1);
  expect(denied.stdout + denied.stderr).not.toContain(wrong);
  expect(denied.stderr).toMatch(/logon|password|auth/i);
});
