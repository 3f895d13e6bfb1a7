import { el } from "../../../provider/soap";
import {
  InvalidPowerStateError,
  InvalidStateError,
  ManagedObjectNotFoundError,
  VimClient,
  cloneVm,
  createSnapshot,
  createVm,
  destroyVm,
  deviceChange,
  ensureVmxnet3,
  findByInventoryPath,
  markAsTemplate,
  nicBackingFor,
  nicDevice,
  powerOff,
  powerOn,
  readVm,
  reconfigureVm,
  removeSnapshot,
  shutdownGuest,
  type MoRef,
} from "../../../provider/vsphere";
import { useVcsim, type Placement } from "./helpers";

const rig = useVcsim();
let c: VimClient;
let where: Placement;
beforeAll(() => {
  ({ c, where } = rig);
});

const base = () => ({
  folder: where.folder,
  resourcePool: where.resourcePool,
  datastore: where.datastore,
  network: where.network,
  guestId: "windows9Server64Guest",
  numCPUs: 2,
  numCoresPerSocket: 1,
  memoryMB: 4096,
  diskGB: 40,
  firmware: "efi" as const,
});

describe("VM lifecycle", () => {
  let vm: MoRef;

  it("creates a VM with a LSI Logic SAS controller, a thin disk and a VMXNet3 NIC", async () => {
    vm = await createVm(c, { ...base(), name: "OS Machine – Ünïcode 1" });
    expect(await findByInventoryPath(c, "DC0/vm/OS Machine – Ünïcode 1")).toEqual(vm);
    const info = await readVm(c, vm);
    expect(info).toMatchObject({ name: "OS Machine – Ünïcode 1", powerState: "poweredOff", template: false, guestId: "windows9Server64Guest", numCPUs: 2, memoryMB: 4096, firmware: "efi" });
    expect(info.nics).toHaveLength(1);
    expect(info.nics[0]).toMatchObject({ type: "VirtualVmxnet3", networkName: "VM Network" });
    expect(info.scsiControllers.map((s) => s.type)).toEqual(["VirtualLsiLogicSASController"]);
    expect(info.disks).toHaveLength(1);
    expect(info.disks[0].capacityKB).toBe(40 * 1024 * 1024);
    expect(info.disks[0].fileName).toMatch(/^\[LocalDS_0\] /);
    expect(info.contentVersion).toBeTruthy();
    expect(info.snapshots).toEqual([]);
  });

  it("replaces an E1000 NIC by a VMXNet3 one on the same network", async () => {
    const backing = await nicBackingFor(c, where.network);
    await reconfigureVm(c, vm, { deviceChange: [deviceChange("add", nicDevice({ type: "VirtualE1000", key: -1, backing }))] });
    let info = await readVm(c, vm);
    expect(info.nics.map((n) => n.type).sort()).toEqual(["VirtualE1000", "VirtualVmxnet3"]);
    expect(await ensureVmxnet3(c, vm)).toBe(1);
    info = await readVm(c, vm);
    expect(info.nics.map((n) => n.type)).toEqual(["VirtualVmxnet3", "VirtualVmxnet3"]);
    expect(info.nics.every((n) => n.networkName === "VM Network")).toBe(true);
    expect(await ensureVmxnet3(c, vm)).toBe(0);
  });

  it("changes CPU and memory", async () => {
    const before = await readVm(c, vm);
    await reconfigureVm(c, vm, { numCPUs: 4, memoryMB: 8192 });
    const after = await readVm(c, vm);
    expect(after).toMatchObject({ numCPUs: 4, memoryMB: 8192 });
    expect(after.contentVersion).not.toBe(before.contentVersion);
  });

  it("powers on and off (idempotently), snapshots by name, and shuts the guest down", async () => {
    await powerOn(c, vm);
    await powerOn(c, vm);
    expect((await readVm(c, vm)).powerState).toBe("poweredOn");
    const snap = await createSnapshot(c, vm, "before setup", "taken by the test");
    let info = await readVm(c, vm);
    expect(info.snapshots.map((s) => s.name)).toEqual(["before setup"]);
    expect(info.currentSnapshot).toEqual(snap);
    expect(await removeSnapshot(c, vm, "before setup")).toBe(true);
    expect(await removeSnapshot(c, vm, "before setup")).toBe(false);
    info = await readVm(c, vm);
    expect(info.snapshots).toEqual([]);
    expect(await shutdownGuest(c, vm, { timeoutMs: 5000 })).toBe("guest");
    expect(await shutdownGuest(c, vm)).toBe("already-off");
    await powerOff(c, vm);
  });

  it("refuses to destroy a powered-on VM with InvalidPowerState, then destroys it", async () => {
    await powerOn(c, vm);
    const err = await destroyVm(c, vm).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidPowerStateError);
    expect((err as Error).message).toMatch(/InvalidPowerState/);
    await powerOff(c, vm);
    await destroyVm(c, vm);
    await expect(readVm(c, vm)).rejects.toBeInstanceOf(ManagedObjectNotFoundError);
  });

  it("refuses VM names vSphere would mangle, before calling vCenter", async () => {
    await expect(createVm(c, { ...base(), name: "a/b" })).rejects.toThrow(/without them/);
    await expect(createVm(c, { ...base(), name: "x".repeat(81) })).rejects.toThrow(/1 to 80/);
  });

  it("creates a VM on a distributed portgroup", async () => {
    const dv = await createVm(c, { ...base(), name: "dv machine", network: where.dvPortgroup });
    const info = await readVm(c, dv);
    expect(info.nics[0].type).toBe("VirtualVmxnet3");
    expect(info.nics[0].backing).toMatchObject({ kind: "dvportgroup" });
    await destroyVm(c, dv);
  });
});

describe("templates and clones", () => {
  it("clones a VM from a template, and a template cannot be powered on", async () => {
    const tpl = await createVm(c, { ...base(), name: "win2022 template" });
    await markAsTemplate(c, tpl);
    expect((await readVm(c, tpl)).template).toBe(true);
    await expect(powerOn(c, tpl)).rejects.toBeInstanceOf(InvalidStateError);
    const clone = await cloneVm(c, tpl, { name: "from template", folder: where.folder, resourcePool: where.resourcePool, numCPUs: 2, memoryMB: 4096 });
    const info = await readVm(c, clone);
    expect(info).toMatchObject({ name: "from template", template: false, guestId: "windows9Server64Guest" });
    expect(info.nics.map((n) => n.type)).toEqual(["VirtualVmxnet3"]);
    expect(await findByInventoryPath(c, "DC0/vm/from template")).toEqual(clone);
  });

  it("sends the raw ShutdownGuest fault for a powered-off VM as InvalidPowerState", async () => {
    const vm = (await findByInventoryPath(c, "DC0/vm/DC0_H0_VM0"))!;
    await powerOff(c, vm);
    await expect(c.invoke("ShutdownGuest", vm)).rejects.toBeInstanceOf(InvalidPowerStateError);
    void el;
  });
});
