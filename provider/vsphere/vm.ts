/**
 * VM operations: create, clone, reconfigure (CPU/memory, NIC to VMXNet3), power, guest
 * shutdown, named snapshots, destroy. Every task is awaited with a deadline; failures are
 * typed VimFault errors carrying vSphere's message.
 */
import { RawXml, el } from "../soap";
import { DeadlineError } from "../wait";
import { InvalidPowerStateError } from "./faults";
import { retrieveProperties, type PropertyCollectorHost } from "./properties";
import { ConfigSpecFields, NicBacking, ScsiControllerType, cloneSpec, configSpec, deviceChange, deviceRef, diskDevice, nicDevice, scsiDevice } from "./spec";
import { taskRef, waitForTask, type WaitOptions } from "./tasks";
import { waitForProperties } from "./updates";
import type { MoRef } from "./types";
import { isMoRef } from "./types";
import { readVm, type VmInfo } from "./vmread";
import { moref } from "./wire";

export interface CreateVmSpec {
  name: string;
  /** VM folder to create the VM in. */
  folder: MoRef;
  resourcePool: MoRef;
  /** Needed only for a cluster without DRS. */
  host?: MoRef;
  datastore: MoRef;
  /** Network or DistributedVirtualPortgroup for the VMXNet3 NIC. */
  network: MoRef;
  guestId: string;
  numCPUs: number;
  numCoresPerSocket?: number;
  memoryMB: number;
  /** Disk capacity in GiB (thin provisioned). */
  diskGB: number;
  /** More disks on the same controller, in GB each (units 1, 2, ...; 7 is the controller's own). */
  extraDisksGB?: number[];
  /** Default `VirtualLsiLogicSASController`. */
  scsiType?: ScsiControllerType;
  firmware?: "bios" | "efi";
  annotation?: string;
  /** The instanceUuid to ask for (vCenter may assign another; read it back). */
  instanceUuid?: string;
}

const objRef = (v: unknown, what: string): MoRef => {
  if (!isMoRef(v)) throw new Error(`${what}: vCenter returned no object reference`);
  return v;
};

/** Resolves a Network or DistributedVirtualPortgroup to the NIC backing vSphere requires for it. */
export async function nicBackingFor(c: PropertyCollectorHost, network: MoRef): Promise<NicBacking> {
  if (network.type === "DistributedVirtualPortgroup") {
    const pg = await retrieveProperties(c, network, ["key", "config.distributedVirtualSwitch"]);
    const dvs = objRef(pg.props["config.distributedVirtualSwitch"], `reading portgroup ${network.value}`);
    const sw = await retrieveProperties(c, dvs, ["uuid"]);
    return { kind: "dvportgroup", switchUuid: String(sw.props.uuid ?? ""), portgroupKey: String(pg.props.key ?? "") };
  }
  const n = await retrieveProperties(c, network, ["name"]);
  return { kind: "network", name: String(n.props.name ?? ""), network };
}

async function runTask(c: PropertyCollectorHost, method: string, self: MoRef, params: RawXml[] | RawXml | undefined, opts: WaitOptions, operation: string) {
  const payload = await c.invoke(method, self, params);
  return waitForTask(c, taskRef(payload), { ...opts, operation: opts.operation ?? operation });
}

/** vSphere VM names: 1..80 characters; this client refuses `/` and `\` (vSphere would store them escaped). */
export function checkVmName(name: string): void {
  if (name.length === 0 || name.length > 80) throw new RangeError(`VM name "${name}" must be 1 to 80 characters long; choose a shorter name`);
  if (/[/\\]/.test(name)) throw new RangeError(`VM name "${name}" contains "/" or "\\"; choose a name without them`);
}

/** Creates a VM with a SCSI controller, one thin disk and one VMXNet3 NIC; returns its moref. */
export async function createVm(c: PropertyCollectorHost, spec: CreateVmSpec, opts: WaitOptions = {}): Promise<MoRef> {
  checkVmName(spec.name);
  const ds = await retrieveProperties(c, spec.datastore, ["name"]);
  const dsName = String(ds.props.name ?? "");
  const backing = await nicBackingFor(c, spec.network);
  const config = configSpec("config", {
    name: spec.name,
    instanceUuid: spec.instanceUuid,
    guestId: spec.guestId,
    annotation: spec.annotation,
    vmPathName: `[${dsName}]`,
    numCPUs: spec.numCPUs,
    numCoresPerSocket: spec.numCoresPerSocket,
    memoryMB: spec.memoryMB,
    firmware: spec.firmware,
    deviceChange: [
      deviceChange("add", scsiDevice({ type: spec.scsiType ?? "VirtualLsiLogicSASController", key: -100, busNumber: 0 })),
      deviceChange("add", diskDevice({ key: -101, controllerKey: -100, unitNumber: 0, capacityKB: Math.round(spec.diskGB * 1024 * 1024) }), "create"),
      deviceChange("add", nicDevice({ key: -102, backing, connectable: { startConnected: true, allowGuestControl: true, connected: false } })),
      ...(spec.extraDisksGB ?? []).map((gb, i) => {
        const unitNumber = i + 1 >= 7 ? i + 2 : i + 1;
        return deviceChange("add", diskDevice({ key: -103 - i, controllerKey: -100, unitNumber, capacityKB: Math.round(gb * 1024 * 1024) }), "create");
      }),
    ],
  });
  const params = [config, moref("pool", spec.resourcePool), spec.host ? moref("host", spec.host) : undefined].filter((x): x is RawXml => !!x);
  const result = await runTask(c, "CreateVM_Task", spec.folder, params, opts, `creating VM "${spec.name}"`);
  return objRef(result, `creating VM "${spec.name}"`);
}

export interface CloneVmSpec {
  name: string;
  folder: MoRef;
  /** Required when cloning from a template. */
  resourcePool?: MoRef;
  datastore?: MoRef;
  host?: MoRef;
  numCPUs?: number;
  memoryMB?: number;
  /** Notes of the new VM. */
  annotation?: string;
  /** The instanceUuid to ask for (vCenter may assign another; read it back). */
  instanceUuid?: string;
  powerOn?: boolean;
}

/** Clones a VM or template; returns the new VM's moref. */
export async function cloneVm(c: PropertyCollectorHost, source: MoRef, spec: CloneVmSpec, opts: WaitOptions = {}): Promise<MoRef> {
  checkVmName(spec.name);
  const config =
    spec.numCPUs !== undefined || spec.memoryMB !== undefined || spec.annotation !== undefined || spec.instanceUuid !== undefined
      ? configSpec("config", { instanceUuid: spec.instanceUuid, annotation: spec.annotation, numCPUs: spec.numCPUs, memoryMB: spec.memoryMB })
      : undefined;
  const params = [
    moref("folder", spec.folder),
    el("name", spec.name),
    cloneSpec({ datastore: spec.datastore, pool: spec.resourcePool, host: spec.host, config, powerOn: spec.powerOn }),
  ];
  const result = await runTask(c, "CloneVM_Task", source, params, opts, `cloning ${source.value} to "${spec.name}"`);
  return objRef(result, `cloning to "${spec.name}"`);
}

/** Applies a config spec (ReconfigVM_Task); pass `changeVersion` to fail if someone else changed the VM. */
export async function reconfigureVm(c: PropertyCollectorHost, vm: MoRef, fields: ConfigSpecFields, opts: WaitOptions = {}): Promise<void> {
  await runTask(c, "ReconfigVM_Task", vm, configSpec("spec", fields), opts, `reconfiguring ${vm.value}`);
}

/**
 * Replaces every NIC that is not VMXNet3 by a VMXNet3 NIC on the same network (remove + add
 * in one reconfigure, as vSphere requires). Keeps the MAC only when `keepMac` (a manual MAC
 * must lie in VMware's 00:50:56:00-3f range). Returns how many NICs were replaced.
 */
export async function ensureVmxnet3(c: PropertyCollectorHost, vm: MoRef, opts: WaitOptions & { keepMac?: boolean } = {}): Promise<number> {
  const info = await readVm(c, vm);
  const changes: RawXml[] = [];
  let key = -200;
  for (const nic of info.nics.filter((n) => n.type !== "VirtualVmxnet3")) {
    if (!nic.backing) throw new Error(`VM ${info.name}: NIC ${nic.label ?? nic.key} has a backing this client cannot carry over; change it to VMXNet3 in vSphere`);
    changes.push(deviceChange("remove", deviceRef(nic.type, nic.key)));
    changes.push(
      deviceChange("add", nicDevice({
        key: key--,
        backing: nic.backing,
        connectable: nic.connectable ?? { startConnected: true, allowGuestControl: true, connected: info.powerState === "poweredOn" },
        macAddress: opts.keepMac ? nic.macAddress : undefined,
      })),
    );
  }
  if (changes.length === 0) return 0;
  await reconfigureVm(c, vm, { changeVersion: info.changeVersion, deviceChange: changes }, { ...opts, operation: opts.operation ?? `changing the NICs of ${info.name} to VMXNet3` });
  return changes.length / 2;
}

/** Powers on; already on is fine. */
export async function powerOn(c: PropertyCollectorHost, vm: MoRef, opts: WaitOptions = {}): Promise<void> {
  try {
    await runTask(c, "PowerOnVM_Task", vm, undefined, opts, `powering on ${vm.value}`);
  } catch (e) {
    if (!(e instanceof InvalidPowerStateError && e.existingState === "poweredOn")) throw e;
  }
}

/** Powers off (hard); already off is fine. */
export async function powerOff(c: PropertyCollectorHost, vm: MoRef, opts: WaitOptions = {}): Promise<void> {
  try {
    await runTask(c, "PowerOffVM_Task", vm, undefined, opts, `powering off ${vm.value}`);
  } catch (e) {
    if (!(e instanceof InvalidPowerStateError && e.existingState === "poweredOff")) throw e;
  }
}

async function powerState(c: PropertyCollectorHost, vm: MoRef): Promise<string> {
  const oc = await retrieveProperties(c, vm, ["runtime.powerState"]);
  return String(oc.props["runtime.powerState"] ?? "");
}

/**
 * Asks the guest to shut down (ShutdownGuest returns at once) and waits, through WaitForUpdatesEx,
 * until the VM is off. When Tools are unavailable or the guest ignores it until the deadline, powers
 * off hard if `fallbackPowerOff` (default true); else the deadline throws a DeadlineError. Returns
 * how it ended.
 */
export async function shutdownGuest(
  c: PropertyCollectorHost,
  vm: MoRef,
  opts: { timeoutMs?: number; fallbackPowerOff?: boolean; signal?: AbortSignal } = {},
): Promise<"already-off" | "guest" | "forced"> {
  const fallback = opts.fallbackPowerOff ?? true;
  if ((await powerState(c, vm)) === "poweredOff") return "already-off";
  try {
    await c.invoke("ShutdownGuest", vm);
  } catch (e) {
    if (e instanceof InvalidPowerStateError && e.existingState === "poweredOff") return "already-off";
    if (!fallback) throw e;
    await powerOff(c, vm);
    return "forced";
  }
  try {
    await waitForProperties(c, vm, ["runtime.powerState"], (p) => (p["runtime.powerState"] === "poweredOff" ? { done: true, value: undefined } : { done: false }), {
      awaited: `the guest of ${vm.value} to shut down`,
      deadline: Date.now() + (opts.timeoutMs ?? 10 * 60_000),
      resumable: false,
      fix: "shut the guest down or power it off in vSphere",
      signal: opts.signal,
      describe: (p) => `still ${String(p["runtime.powerState"] ?? "unknown")}`,
    });
    return "guest";
  } catch (e) {
    if (!(e instanceof DeadlineError) || !fallback) throw e;
  }
  await powerOff(c, vm);
  return "forced";
}

/** Creates a named snapshot (no memory, no quiescing); returns its moref. */
export async function createSnapshot(c: PropertyCollectorHost, vm: MoRef, name: string, description = "", opts: WaitOptions = {}): Promise<MoRef> {
  const result = await runTask(
    c, "CreateSnapshot_Task", vm,
    [el("name", name), el("description", description), el("memory", false), el("quiesce", false)],
    opts, `creating snapshot "${name}" of ${vm.value}`,
  );
  return objRef(result, `creating snapshot "${name}"`);
}

/** Finds a snapshot by name (the first one in tree order). */
export async function findSnapshot(c: PropertyCollectorHost, vm: MoRef, name: string): Promise<MoRef | undefined> {
  return (await readVm(c, vm)).snapshots.find((s) => s.name === name)?.ref;
}

/** Removes the named snapshot (children kept, disks consolidated). Returns false when there is none. */
export async function removeSnapshot(c: PropertyCollectorHost, vm: MoRef, name: string, opts: WaitOptions = {}): Promise<boolean> {
  const snap = await findSnapshot(c, vm, name);
  if (!snap) return false;
  await runTask(c, "RemoveSnapshot_Task", snap, [el("removeChildren", false), el("consolidate", true)], opts, `removing snapshot "${name}" of ${vm.value}`);
  return true;
}

/** Destroys a VM (it must be powered off) and deletes its files. */
export async function destroyVm(c: PropertyCollectorHost, vm: MoRef, opts: WaitOptions = {}): Promise<void> {
  await runTask(c, "Destroy_Task", vm, undefined, opts, `destroying ${vm.value}`);
}

/** Marks a powered-off VM as a template (synchronous). */
export async function markAsTemplate(c: PropertyCollectorHost, vm: MoRef): Promise<void> {
  await c.invoke("MarkAsTemplate", vm);
}

export type { VmInfo };
