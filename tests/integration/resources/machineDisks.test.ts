/**
 * OsMachine.disks against the vcsim launcher and smbd, through the reconcilers as the host calls
 * them: a VM made with a data disk exports both disks (descriptor, manifest, files on the share);
 * a disk added later is an update in place that is new content (a new change version, so the
 * export is replaced, and the new one carries the third disk); what would lose data is refused;
 * an adopted VM gains a declared disk and keeps the ones it had.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import * as osMachineModule from "../../../provider/osMachine";
import * as ovfExportModule from "../../../provider/ovfExport";
import { parseDescriptor, parseManifest, validateForOsLayer } from "../../../provider/ovf";
import { connect } from "../vsphere/helpers";
import { expectVmdkOf } from "../vsphere/vmdkPeer";
import { findByInventoryPath, readVm, type VimClient } from "../../../provider/vsphere";
import { startVcsim, Vcsim } from "../../../sim/vcsim/launch";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { engineView } from "../../harness/reconciler";

const osMachine = engineView(osMachineModule);
const ovfExport = engineView(ovfExportModule);

let vc: Vcsim;
let smb: SmbdInstance;
let c: VimClient;
const saved = { ...process.env };
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

async function checked(mod: { check: typeof osMachine.check }, raw: Record<string, unknown>, olds: Record<string, unknown> = {}) {
  const r = await mod.check(olds, raw);
  expect(r.failures).toEqual([]);
  return r.inputs as Record<string, unknown>;
}

beforeAll(async () => {
  [vc, smb] = await Promise.all([startVcsim({ vms: 1 }), startSmbd()]);
  Object.assign(process.env, {
    VSPHERE_SERVER: vc.url,
    VSPHERE_USER: vc.user,
    VSPHERE_PASSWORD: vc.password,
    APPLAYERING_VSPHERE_THUMBPRINT: vc.thumbprint,
    APPLAYERING_SHARE_USER: smb.user,
    APPLAYERING_SHARE_PASSWORD: smb.password,
  });
  c = await connect(vc);
});

afterAll(async () => {
  process.env = saved;
  await c?.logout().catch(() => undefined);
  await Promise.all([vc?.stop(), smb?.stop()]);
});

const machine = { name: "data-os", datacenter: "DC0", datastore: "LocalDS_0", network: "VM Network", diskGb: 1 };
const vmRef = (id: string) => ({ type: "VirtualMachine", value: id });

/** Distinct bytes in each disk file, so that a disk exported in another's place shows. */
async function fillDisks(id: string): Promise<Buffer[]> {
  const disks = (await readVm(c, vmRef(id))).disks;
  return Promise.all(
    disks.map(async (d, k) => {
      const b = Buffer.alloc(256 * 1024 + 17 * k, k + 1);
      await fs.writeFile(vc.localPath(d.fileName!), b);
      return b;
    }),
  );
}

/** The published export: descriptor disks, manifest entries and files on the share, checked against `contents`. */
async function expectExport(name: string, outs: Record<string, unknown>, contents: Buffer[]): Promise<void> {
  const folder = path.join(smb.dir, "exports", name);
  const files = outs.files as Array<{ name: string; size: number; sha256: string }>;
  const vmdks = files.filter((f) => f.name.endsWith(".vmdk")).sort((a, b) => a.name.localeCompare(b.name));
  expect(vmdks).toHaveLength(contents.length);
  // Each disk's own bytes, as the streamOptimized VMDK the server made of it (qemu-img reads it back).
  for (const [k, f] of vmdks.entries()) {
    expect(sha256(await fs.readFile(path.join(folder, f.name)))).toBe(f.sha256);
    expectVmdkOf(path.join(folder, f.name), contents[k]);
  }
  const desc = await parseDescriptor(await fs.readFile(path.join(folder, `${name}.ovf`), "utf8"));
  expect(desc.disks).toHaveLength(contents.length);
  expect(desc.files.map((f) => f.href).sort()).toEqual(vmdks.map((f) => f.name));
  const mf = parseManifest(await fs.readFile(path.join(folder, `${name}.mf`), "utf8"));
  for (const f of vmdks) expect(mf).toContainEqual(expect.objectContaining({ name: f.name, digest: f.sha256 }));
  expect(validateForOsLayer(desc, { presentFiles: new Map(files.map((f) => [f.name, f.size] as [string, number])) })).toEqual([]);
}

describe("OsMachine.disks", () => {
  let id: string;
  let outs: Record<string, unknown>;
  let exp: { id: string; outs: Record<string, unknown> };
  const exportArgs = () => ({ vmMoref: id, vmChangeVersion: outs.changeVersion, shareFolder: `${smb.unc}\\exports`, name: "data" });

  it("creates the VM with its data disk; the outputs match the program", async () => {
    const r = await osMachine.create(await checked(osMachine, { ...machine, disks: [{ sizeGb: 2 }] }));
    ({ id, outs } = { id: r.id, outs: r.outs as Record<string, unknown> });
    const disks = (await readVm(c, vmRef(id))).disks;
    expect(disks.map((d) => d.capacityKB)).toEqual([1, 2].map((gb) => gb * 1024 * 1024));
    expect(outs.disks).toEqual([{ sizeGb: 2 }]);
    expect(await osMachine.diff(id, outs, await checked(osMachine, { ...machine, disks: [{ sizeGb: 2 }] }))).toMatchObject({ changes: false });
  });

  it("the export streams both disks: the descriptor lists two, the manifest holds each", async () => {
    const contents = await fillDisks(id);
    const r = await ovfExport.create(await checked(ovfExport, exportArgs()));
    exp = { id: r.id, outs: r.outs as Record<string, unknown> };
    await expectExport("data", exp.outs, contents);
  });

  it("a disk added is an update in place and new content: the export is replaced and carries three disks", async () => {
    const news = await checked(osMachine, { ...machine, disks: [{ sizeGb: 2 }, { sizeGb: 1 }] }, outs);
    expect(await osMachine.diff(id, outs, news)).toMatchObject({ changes: true, replaces: [] });
    const before = outs.changeVersion;
    outs = (await osMachine.update(id, outs, news)).outs;
    expect((await readVm(c, vmRef(id))).disks).toHaveLength(3);
    expect(outs.disks).toEqual([{ sizeGb: 2 }, { sizeGb: 1 }]);
    expect(outs.changeVersion).not.toBe(before);
    const expNews = await checked(ovfExport, exportArgs());
    expect((await ovfExport.diff(exp.id, exp.outs, expNews)).replaces).toContain("vmChangeVersion");
    const contents = await fillDisks(id);
    const r = await ovfExport.create(expNews);
    await expectExport("data", r.outs as Record<string, unknown>, contents);
    await ovfExport.delete(exp.id, exp.outs);
    exp = { id: r.id, outs: r.outs as Record<string, unknown> };
  });

  it("a grown disk is grown in place; a smaller one or one left out is refused by check, naming the fix", async () => {
    const grown = await checked(osMachine, { ...machine, disks: [{ sizeGb: 3 }, { sizeGb: 1 }] }, outs);
    outs = (await osMachine.update(id, outs, grown)).outs;
    expect((await readVm(c, vmRef(id))).disks[1].capacityKB).toBe(3 * 1024 * 1024);
    const shrink = await osMachine.check(grown, { ...machine, disks: [{ sizeGb: 2 }, { sizeGb: 1 }] });
    expect(shrink.failures!.map((f) => f.reason)).toEqual([expect.stringMatching(/^OsMachine\.disks\[0\]\.sizeGb: the disk is 3 GB .* at least 3$/)]);
    const removed = await osMachine.check(grown, { ...machine, disks: [{ sizeGb: 3 }] });
    expect(removed.failures!.map((f) => f.reason)).toEqual([expect.stringMatching(/^OsMachine\.disks: .* never removes a disk/)]);
    expect((await readVm(c, vmRef(id))).disks).toHaveLength(3);
  });

  it("an adopted VM gains a declared disk and keeps the disks it had", async () => {
    const vm = (await findByInventoryPath(c, "DC0/vm/DC0_H0_VM0"))!;
    const had = (await readVm(c, vm)).disks.length;
    const inputs = await checked(osMachine, { name: "DC0_H0_VM0", datacenter: "DC0", adoptInventoryPath: "DC0/vm/DC0_H0_VM0", disks: Array.from({ length: had }, () => ({ sizeGb: 1 })) });
    const r = await osMachine.create(inputs);
    const after = (await readVm(c, vm)).disks;
    expect(after).toHaveLength(had + 1);
    expect(after[had].capacityKB).toBe(1024 * 1024);
    expect(await osMachine.diff(r.id, r.outs, inputs)).toMatchObject({ changes: false });
    // Released without its disks declared: nothing is removed.
    const bare = await checked(osMachine, { name: "DC0_H0_VM0", datacenter: "DC0", adoptInventoryPath: "DC0/vm/DC0_H0_VM0" });
    await osMachine.update(r.id, r.outs, bare);
    expect((await readVm(c, vm)).disks).toHaveLength(had + 1);
  });

  it("delete removes the export and the VM", async () => {
    await ovfExport.delete(exp.id, exp.outs);
    await osMachine.delete(id, outs);
    expect(await osMachine.read(id, outs)).toEqual({});
  });
});
