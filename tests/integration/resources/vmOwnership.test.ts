/**
 * Ownership of VMs against the vcsim launcher: only a mark bound to the VM's own instanceUuid
 * lets create() continue with a VM found at its path. A bare mark, the stack's mark typed into a
 * stranger's notes, and a vCenter clone of our VM (which inherits our notes) are refused with
 * adoptInventoryPath named, and nothing about them changes; delete destroys only the VM whose
 * instanceUuid matches state.
 */
import * as fs from "node:fs";
import * as osMachineModule from "../../../provider/osMachine";
import { MoRef, VimClient, cloneVm, datacenterFolders, findByInventoryPath, readVm, reconfigureVm, retrieveProperties } from "../../../provider/vsphere";
import { startVcsim, Vcsim } from "../../../sim/vcsim/launch";
import { engineView } from "../../harness/reconciler";

const osMachine = engineView(osMachineModule);

let vc: Vcsim;
let vim: VimClient;
const saved = { ...process.env };
const machine = { name: "owned-os", datacenter: "DC0", datastore: "LocalDS_0", network: "VM Network", diskGb: 1 };

async function checked(raw: Record<string, unknown>) {
  const r = await osMachine.check({}, raw);
  expect(r.failures).toEqual([]);
  return r.inputs as Record<string, unknown>;
}

const notes = async (vm: MoRef) => String((await retrieveProperties(vim, vm, ["config.annotation"])).props["config.annotation"] ?? "");

/** Everything a refused create must leave as it was. */
async function snapshotOf(vm: MoRef) {
  const i = await readVm(vim, vm);
  return { name: i.name, cpus: i.numCPUs, mem: i.memoryMB, power: i.powerState, nics: i.nics.map((n) => n.type), disks: i.disks.map((d) => d.capacityKB), snaps: i.snapshots.length, version: i.contentVersion, notes: await notes(vm) };
}

async function vmAt(path: string): Promise<MoRef> {
  const vm = await findByInventoryPath(vim, path);
  if (!vm) throw new Error(`no VM at ${path}`);
  return vm;
}

/**
 * A copy of `source` named `name` in the datacenter's VM folder, whose notes are then edited to
 * `annotation` (vcsim 0.24 drops the notes of a clone, where vCenter copies them).
 */
async function cloneOf(source: MoRef, name: string, annotation: string): Promise<MoRef> {
  const folders = await datacenterFolders(vim, "DC0");
  const info = await readVm(vim, source);
  const vm = await cloneVm(vim, source, { name, folder: folders.vmFolder, resourcePool: info.resourcePool }, { timeoutMs: 60_000 });
  await reconfigureVm(vim, vm, { annotation }, { timeoutMs: 60_000 });
  expect(await notes(vm)).toBe(annotation);
  return vm;
}

beforeAll(async () => {
  vc = await startVcsim({ vms: 1 });
  vim = await VimClient.connect({ url: vc.url, user: vc.user, password: vc.password, tls: { ca: fs.readFileSync(vc.caCertPath) } });
  Object.assign(process.env, {
    VSPHERE_SERVER: vc.url,
    VSPHERE_USER: vc.user,
    VSPHERE_PASSWORD: vc.password,
    APPLAYERING_VSPHERE_THUMBPRINT: vc.thumbprint,
    PULUMI_PROJECT: "layers",
    PULUMI_STACK: "prod",
  });
});

afterAll(async () => {
  process.env = saved;
  await vim?.logout().catch(() => undefined);
  vim?.close();
  await vc?.stop();
});

describe("VM ownership marks against vcsim", () => {
  let ours: { id: string; outs: Record<string, unknown> };

  it("create writes, as the first line of the notes, a mark bound to the instanceUuid vCenter reports; a re-run continues with it", async () => {
    const r = await osMachine.create(await checked(machine));
    ours = { id: r.id, outs: r.outs as Record<string, unknown> };
    const uuid = String(ours.outs.instanceUuid);
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    const first = (await notes({ type: "VirtualMachine", value: r.id })).split("\n")[0];
    expect(first).toMatch(new RegExp(`^\\[pulumi-applayering layers/prod vm=${uuid} mac=[0-9a-f]{32}\\]$`));
    expect((await osMachine.create(await checked(machine))).id).toBe(r.id);
  });

  const refused = async (name: string) => {
    const vm = await vmAt(`DC0/vm/${name}`);
    const before = await snapshotOf(vm);
    const err = await osMachine.create(await checked({ ...machine, name })).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(new RegExp(`^OsMachine\\.name: a VM named "${name}" already exists at DC0/vm/${name}.*nothing was changed.*set adoptInventoryPath: "DC0/vm/${name}"`));
    expect(await snapshotOf(vm)).toEqual(before);
  };

  it("refuses a VM whose notes hold only the bare product mark", async () => {
    const stranger = await vmAt("DC0/vm/DC0_H0_VM0");
    await cloneOf(stranger, "bare-marked", "Managed by [pulumi-applayering]");
    await refused("bare-marked");
  });

  it("refuses a foreign VM into whose notes someone typed the stack's mark", async () => {
    const stranger = await vmAt("DC0/vm/DC0_H0_VM0");
    await cloneOf(stranger, "typed-mark", "Managed by [pulumi-applayering layers/prod]");
    await refused("typed-mark");
  });

  it("refuses a vCenter clone of our VM (its notes, mark included, are copied) and never destroys it", async () => {
    const source: MoRef = { type: "VirtualMachine", value: ours.id };
    // vCenter copies the notes into a clone (see cloneOf).
    const clone = await cloneOf(source, "owned-os-clone", await notes(source));
    const cloned = await readVm(vim, clone);
    // The precondition of the attack: the clone carries our notes, under another instanceUuid.
    expect(await notes(clone)).toBe(await notes(source));
    expect(cloned.instanceUuid).not.toBe(ours.outs.instanceUuid);
    await refused("owned-os-clone");
    // State naming the clone's moref but our VM's instanceUuid (a moref reused, or state edited): delete refuses.
    const err = await osMachine.delete(clone.value, { ...ours.outs, moref: clone.value }).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(new RegExp(`VM ${clone.value} now has instanceUuid ${cloned.instanceUuid}, not ${ours.outs.instanceUuid}.*nothing was destroyed`));
    expect(await findByInventoryPath(vim, "DC0/vm/owned-os-clone")).toEqual(clone);
  });

  it("adoptInventoryPath still takes such a VM, to release it (never destroy it) on delete", async () => {
    const r = await osMachine.create(await checked({ name: "typed-mark", datacenter: "DC0", adoptInventoryPath: "DC0/vm/typed-mark" }));
    expect(r.outs).toMatchObject({ managed: false });
    await osMachine.delete(r.id, r.outs as Record<string, unknown>);
    expect(await findByInventoryPath(vim, "DC0/vm/typed-mark")).toBeDefined();
  });

  it("deletes our own VM, whose instanceUuid matches state", async () => {
    await osMachine.delete(ours.id, ours.outs);
    expect(await findByInventoryPath(vim, "DC0/vm/owned-os")).toBeUndefined();
  });
});
