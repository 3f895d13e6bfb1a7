/**
 * The OsMachine and OvfExport reconcilers called directly (as the host would) against the vcsim
 * launcher and a real smbd: create, re-run adoption, adoption of a foreign VM, hardware changes,
 * the export streamed to the share with its manifest, and deletion.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import * as osMachineModule from "../../../provider/osMachine";
import * as ovfExportModule from "../../../provider/ovfExport";
import { parseManifest, parseDescriptor, validateForOsLayer } from "../../../provider/ovf";
import { startVcsim, Vcsim } from "../../../sim/vcsim/launch";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { engineView } from "../../harness/reconciler";

const osMachine = engineView(osMachineModule);
const ovfExport = engineView(ovfExportModule);

let vc: Vcsim;
let smb: SmbdInstance;
const saved = { ...process.env };

async function checked(mod: { check: typeof osMachine.check }, raw: Record<string, unknown>) {
  const r = await mod.check({}, raw);
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
});

afterAll(async () => {
  process.env = saved;
  await Promise.all([vc?.stop(), smb?.stop()]);
});

const machine = { name: "win2019-os", datacenter: "DC0", datastore: "LocalDS_0", network: "VM Network", diskGb: 1, snapshotName: "before-tools" };

describe("OsMachine against vcsim", () => {
  let id: string;
  let outs: Record<string, unknown>;

  it("creates a powered-off BIOS VM with a VMXNet3 NIC and its snapshot, ready for an OS layer", async () => {
    const r = await osMachine.create(await checked(osMachine, machine));
    id = r.id;
    outs = r.outs as Record<string, unknown>;
    expect(outs).toMatchObject({ moref: id, nicType: "VirtualVmxnet3", firmware: "bios", powerState: "poweredOff", osLayerReady: true, osLayerUnmet: [], managed: true });
    expect(outs.inventoryPath).toBe("DC0/vm/win2019-os");
    expect(outs.snapshotId).toMatch(/./);
    expect(await osMachine.diff(id, outs, await checked(osMachine, machine))).toMatchObject({ changes: false });
  });

  it("a re-run of create finds its own VM instead of making a second", async () => {
    const again = await osMachine.create(await checked(osMachine, machine));
    expect(again.id).toBe(id);
  });

  it("refuses to take over a VM of that name it did not make, pointing at adoptInventoryPath", async () => {
    const err = await osMachine.create(await checked(osMachine, { ...machine, name: "DC0_H0_VM0" })).catch((e) => e);
    expect(err.message).toMatch(/already exists at DC0\/vm\/DC0_H0_VM0.*adoptInventoryPath/);
  });

  it("changes CPUs and memory in place", async () => {
    const news = await checked(osMachine, { ...machine, cpus: 4, memoryMb: 8192 });
    expect((await osMachine.diff(id, outs, news)).replaces).toEqual([]);
    outs = (await osMachine.update(id, outs, news)).outs;
    expect(outs).toMatchObject({ cpus: 4, memoryMb: 8192, osLayerReady: true });
  });

  it("renames in place, and a disk grown out of band is no reason to replace", async () => {
    const renamed = await checked(osMachine, { ...machine, name: "win2019-os-b", cpus: 4, memoryMb: 8192 });
    expect((await osMachine.diff(id, outs, renamed)).replaces).toEqual([]);
    const r = await osMachine.update(id, outs, renamed);
    expect(r.outs).toMatchObject({ name: "win2019-os-b", inventoryPath: "DC0/vm/win2019-os-b" });
    const back = await checked(osMachine, { ...machine, cpus: 4, memoryMb: 8192 });
    outs = (await osMachine.update(id, r.outs, back)).outs;
    // An admin grows the disk in vSphere: the program's smaller diskGb is satisfied, not a replace.
    const grown = await checked(osMachine, { ...machine, cpus: 4, memoryMb: 8192, diskGb: 3 });
    await osMachine.update(id, outs, grown);
    const refreshed = (await osMachine.read(id, outs)).props!;
    expect(await osMachine.diff(id, refreshed, back)).toMatchObject({ replaces: [] });
    outs = (await osMachine.update(id, refreshed, back)).outs;
    expect(outs.diskGb).toBe(1);
    expect(await osMachine.diff(id, outs, back)).toMatchObject({ changes: false });
  });

  it("adopts a running VM: converts its NIC to VMXNet3, powers it off, and releases it on delete", async () => {
    const inputs = await checked(osMachine, { name: "DC0_H0_VM0", datacenter: "DC0", adoptInventoryPath: "DC0/vm/DC0_H0_VM0", snapshotName: "adopted" });
    const r = await osMachine.create(inputs);
    // Its own hardware is left alone (no defaults applied to an adopted VM); only what an OS layer needs changes.
    expect(r.outs).toMatchObject({ managed: false, nicType: "VirtualVmxnet3", powerState: "poweredOff" });
    expect(r.outs.osLayerUnmet).toEqual([expect.stringMatching(/paravirtual SCSI/)]);
    expect(await osMachine.diff(r.id, r.outs, inputs)).toMatchObject({ changes: false });
    await osMachine.delete(r.id, r.outs);
    expect((await osMachine.read(r.id, r.outs)).id).toBe(r.id);
  });

  describe("OvfExport to smbd", () => {
    let exp: { id: string; outs: Record<string, unknown> } = { id: "", outs: {} };
    const exportArgs = () => ({ vmMoref: id, vmChangeVersion: outs.changeVersion, shareFolder: `${smb.unc}\\exports`, name: "win2019" });

    it("streams the VM to the share, published with a SHA-256 manifest and fit for an OS layer", async () => {
      const r = await ovfExport.create(await checked(ovfExport, exportArgs()));
      exp = { id: r.id, outs: r.outs as Record<string, unknown> };
      const folder = path.join(smb.dir, "exports", "win2019");
      const names = (await fs.readdir(folder)).sort();
      expect(names).toEqual(expect.arrayContaining(["win2019.ovf", "win2019.mf"]));
      expect(names.some((n) => n.endsWith(".vmdk"))).toBe(true);
      expect(exp.outs).toMatchObject({ ovfSharePath: "exports/win2019/win2019.ovf", manifestPath: "exports/win2019/win2019.mf" });
      expect(exp.outs.ovfUncPath).toBe(`${smb.unc}\\exports\\win2019\\win2019.ovf`);
      const mf = parseManifest(await fs.readFile(path.join(folder, "win2019.mf"), "utf8"));
      const files = exp.outs.files as Array<{ name: string; size: number; sha256: string }>;
      expect(mf.map((e) => e.name).sort()).toEqual(files.map((f) => f.name).sort());
      for (const f of files) expect((await fs.stat(path.join(folder, f.name))).size).toBe(f.size);
      const desc = await parseDescriptor(await fs.readFile(path.join(folder, "win2019.ovf"), "utf8"));
      const present = new Map(files.map((f) => [f.name, f.size] as [string, number]));
      expect(validateForOsLayer(desc, { presentFiles: present })).toEqual([]);
      expect((await fs.readdir(path.join(smb.dir, "exports"))).filter((n) => n.startsWith("."))).toEqual([]);
    });

    it("a re-run finds the finished export and keeps it", async () => {
      const ovf = path.join(smb.dir, "exports", "win2019", "win2019.ovf");
      const before = (await fs.stat(ovf)).mtimeMs;
      const again = await ovfExport.create(await checked(ovfExport, exportArgs()));
      expect(again.outs.files).toEqual(exp.outs.files);
      expect((await fs.stat(ovf)).mtimeMs).toBe(before);
      // The re-run took the folder over: the first owner's delete (a replace's old half) leaves it.
      expect(again.outs.exportId).not.toBe(exp.outs.exportId);
      await ovfExport.delete(exp.id, exp.outs);
      expect((await fs.stat(ovf)).isFile()).toBe(true);
      exp = { id: again.id, outs: again.outs as Record<string, unknown> };
    });

    it("refuses to export a running VM, naming the fix, and leaves nothing on the share", async () => {
      const running = await osMachine.update(id, outs, await checked(osMachine, { ...machine, cpus: 4, memoryMb: 8192, powerState: "poweredOn" }));
      const err = await ovfExport.create(await checked(ovfExport, { ...exportArgs(), name: "while-on" })).catch((e) => e);
      expect(err.message).toMatch(/poweredOn.*shut it down/);
      await expect(fs.stat(path.join(smb.dir, "exports", "while-on"))).rejects.toThrow();
      outs = (await osMachine.update(id, running.outs, await checked(osMachine, { ...machine, cpus: 4, memoryMb: 8192 }))).outs;
    });

    it("delete removes only what the export wrote: a file the admin put in the folder stays, with the folder", async () => {
      const folder = path.join(smb.dir, "exports", "win2019");
      await fs.writeFile(path.join(folder, "notes.txt"), "admin's notes");
      await ovfExport.delete(exp.id, exp.outs);
      expect(await fs.readdir(folder)).toEqual(["notes.txt"]);
      await fs.rm(path.join(folder, "notes.txt"));
      // Put the export back for the next case.
      const r = await ovfExport.create(await checked(ovfExport, exportArgs()));
      exp = { id: r.id, outs: r.outs as Record<string, unknown> };
    });

    it("delete removes the export folder; read then reports it gone", async () => {
      await ovfExport.delete(exp.id, exp.outs);
      await expect(fs.stat(path.join(smb.dir, "exports", "win2019"))).rejects.toThrow();
      expect(await ovfExport.read(exp.id, exp.outs)).toEqual({});
    });
  });

  it("delete destroys the VM it made; read then reports it gone", async () => {
    await osMachine.delete(id, outs);
    expect(await osMachine.read(id, outs)).toEqual({});
  });
});
