/**
 * An OS machine exported by OvfExport from the vcsim launcher to smbd, then `ovf inspect`ed: the
 * launcher's streamOptimized VMDK (grain directory at the end, footer, end-of-stream marker) is
 * clean over SMB and locally, qemu-img agrees, and the same disk cut short, with a damaged footer
 * or under another capacity is flagged.
 */
import { randomFillSync } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as osMachineModule from "../../../provider/osMachine";
import * as ovfExportModule from "../../../provider/ovfExport";
import { readVm, VimClient } from "../../../provider/vsphere";
import { inspect } from "../../../cli/ovfInspect";
import { localAccess } from "../../../cli/fileAccess";
import { openShareAccess } from "../../../cli/shareAccess";
import { startVcsim, Vcsim } from "../../../sim/vcsim/launch";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { engineView } from "../../harness/reconciler";
import { expectVmdkOf } from "./vmdkPeer";

const osMachine = engineView(osMachineModule);
const ovfExport = engineView(ovfExportModule);

let vc: Vcsim;
let smb: SmbdInstance;
let tmp: string;
let folder: string;
const saved = { ...process.env };
// 5 MiB of random bytes, a hole of zeros, 1 MiB more: the written extent of a 1 GB disk.
const content = Buffer.alloc(7 * 2 ** 20);
randomFillSync(content, 0, 5 * 2 ** 20);
randomFillSync(content, 6 * 2 ** 20);
const DISK = "win2019-disk-0.vmdk";

beforeAll(async () => {
  [vc, smb] = await Promise.all([startVcsim({ vms: 1 }), startSmbd()]);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "export-inspect-"));
  Object.assign(process.env, {
    VSPHERE_SERVER: vc.url,
    VSPHERE_USER: vc.user,
    VSPHERE_PASSWORD: vc.password,
    APPLAYERING_VSPHERE_THUMBPRINT: vc.thumbprint,
    APPLAYERING_SHARE_USER: smb.user,
    APPLAYERING_SHARE_PASSWORD: smb.password,
  });
  const inputs = (await osMachine.check({}, { name: "win2019-os", datacenter: "DC0", datastore: "LocalDS_0", network: "VM Network", diskGb: 1 })).inputs;
  const vm = await osMachine.create(inputs);
  const vim = await VimClient.connect({ url: vc.url, user: vc.user, password: vc.password, tls: { thumbprint: vc.thumbprint } });
  try {
    fs.writeFileSync(vc.localPath((await readVm(vim, { type: "VirtualMachine", value: vm.id })).disks[0].fileName!), content);
  } finally {
    await vim.logout().catch(() => undefined);
    vim.close();
  }
  const exp = (await ovfExport.check({}, { vmMoref: vm.id, vmChangeVersion: vm.outs.changeVersion, shareFolder: `${smb.unc}\\exports`, name: "win2019" })).inputs;
  await ovfExport.create(exp);
  folder = path.join(smb.dir, "exports", "win2019");
}, 120_000);

afterAll(async () => {
  process.env = saved;
  await Promise.all([vc?.stop(), smb?.stop()]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const opts = { maxLayerSizeGb: 100, verifyManifest: true };

/** A local copy of the export with the disk's bytes changed by `tamper`. */
function tamperedCopy(name: string, tamper: (disk: Buffer) => Buffer, descriptor: (text: string) => string = (t) => t): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "win2019.ovf"), descriptor(fs.readFileSync(path.join(folder, "win2019.ovf"), "utf8")));
  fs.writeFileSync(path.join(dir, DISK), tamper(fs.readFileSync(path.join(folder, DISK))));
  return path.join(dir, "win2019.ovf");
}

test("the export is clean on the share, read over SMB: a streamOptimized VMDK of the descriptor's capacity", async () => {
  const { access, path: ovf } = await openShareAccess(`${smb.unc}\\exports\\win2019\\win2019.ovf`, process.env);
  try {
    const report = await inspect(access, ovf, opts);
    expect(report.problems).toEqual([]);
    expect(report.fit).toBe(true);
    expect(report.files).toEqual([expect.objectContaining({ href: DISK, vmdk: { kind: "streamOptimized", capacityBytes: 2 ** 30 } })]);
    expect(report.manifest).toMatchObject({ verified: true });
  } finally {
    await access.close();
  }
  // The second opinion: qemu-img reads the exported VMDK as the disk file's bytes.
  expectVmdkOf(path.join(folder, DISK), content);
});

test("the launcher's stream cut short (its footer gone) is flagged, naming the file", async () => {
  const ovf = tamperedCopy("cut", (d) => d.subarray(0, d.length - 1024));
  const report = await inspect(localAccess, ovf, { ...opts, verifyManifest: false });
  expect(report.fit).toBe(false);
  expect(report.problems.map((p) => p.code).sort()).toEqual(["FILE_SIZE_MISMATCH", "VMDK_TRUNCATED"]);
  expect(report.problems.find((p) => p.code === "VMDK_TRUNCATED")!.message).toMatch(/^win2019-disk-0\.vmdk: the stream \(\d+ bytes\) does not end with its footer and end-of-stream marker/);
});

test("a damaged footer and a capacity other than the descriptor's are flagged", async () => {
  const footer = tamperedCopy("footer", (d) => {
    d.write("XXXX", d.length - 1024, "latin1");
    return d;
  });
  expect((await inspect(localAccess, footer, { ...opts, verifyManifest: false })).problems.map((p) => p.code)).toEqual(["VMDK_TRUNCATED"]);
  const other = tamperedCopy("capacity", (d) => d, (t) => t.replace(/ovf:capacity="\d+"/, 'ovf:capacity="2097152"'));
  const report = await inspect(localAccess, other, { ...opts, verifyManifest: false });
  expect(report.problems.map((p) => p.code)).toEqual(["VMDK_CAPACITY_MISMATCH"]);
  expect(report.problems[0].message).toContain(`${2 ** 30} bytes but the descriptor says ${2 * 2 ** 30}`);
});
