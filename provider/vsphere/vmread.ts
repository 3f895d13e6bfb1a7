/** Reading a VM: everything the OsMachine and OvfExport resources need, as plain typed data. */
import { asBool, asNumber, asObject, asString, many } from "./decode";
import { retrieveProperties, type PropertyCollectorHost } from "./properties";
import type { MoRef, VimObject, VimValue } from "./types";
import { isMoRef } from "./types";
import type { NicBacking, ScsiControllerType } from "./spec";

export const NIC_TYPES = new Set([
  "VirtualVmxnet3", "VirtualVmxnet3Vrdma", "VirtualVmxnet2", "VirtualVmxnet", "VirtualE1000", "VirtualE1000e", "VirtualPCNet32", "VirtualSriovEthernetCard",
]);
export const SCSI_TYPES = new Set(["VirtualLsiLogicSASController", "ParaVirtualSCSIController", "VirtualLsiLogicController", "VirtualBusLogicController"]);

export interface NicInfo {
  key: number;
  /** vim device type, e.g. `VirtualVmxnet3`, `VirtualE1000`. */
  type: string;
  label?: string;
  macAddress?: string;
  addressType?: string;
  backing?: NicBacking;
  /** Network name for a standard portgroup; undefined for a DV portgroup. */
  networkName?: string;
  connectable?: { startConnected: boolean; allowGuestControl: boolean; connected: boolean };
  unitNumber?: number;
}

export interface ScsiControllerInfo {
  key: number;
  type: ScsiControllerType | string;
  busNumber: number;
}

export interface DiskInfo {
  key: number;
  label?: string;
  capacityKB: number;
  /** `[datastore] folder/file.vmdk` */
  fileName?: string;
  controllerKey?: number;
  unitNumber?: number;
}

export interface SnapshotInfo {
  ref: MoRef;
  name: string;
  description?: string;
  createTime?: string;
  /** Names from the root to this snapshot. */
  path: string[];
}

export interface VmInfo {
  ref: MoRef;
  name: string;
  powerState: "poweredOn" | "poweredOff" | "suspended" | string;
  template: boolean;
  guestId?: string;
  guestFullName?: string;
  numCPUs?: number;
  numCoresPerSocket?: number;
  memoryMB?: number;
  firmware?: string;
  /** vSphere's config.changeVersion (absent on vcsim 0.24.2); pass it back to reconfigure for optimistic locking. */
  changeVersion?: string;
  /** config.modified (vSphere often leaves it at the epoch; vcsim updates it on every change). */
  modified?: string;
  /** What to compare to see a configuration change: changeVersion, else modified. */
  contentVersion?: string;
  uuid?: string;
  instanceUuid?: string;
  vmPathName?: string;
  nics: NicInfo[];
  scsiControllers: ScsiControllerInfo[];
  /** SCSI disks by bus and unit number, then the others by controller: the first is the system disk. */
  disks: DiskInfo[];
  snapshots: SnapshotInfo[];
  currentSnapshot?: MoRef;
  parent?: MoRef;
  resourcePool?: MoRef;
  datastores: MoRef[];
}

const VM_PATHS = [
  "name", "config.template", "config.guestId", "config.guestFullName", "config.hardware.numCPU", "config.hardware.numCoresPerSocket",
  "config.hardware.memoryMB", "config.hardware.device", "config.firmware", "config.changeVersion", "config.modified", "config.uuid", "config.instanceUuid",
  "config.files.vmPathName", "runtime.powerState", "snapshot", "parent", "resourcePool", "datastore",
];

const obj = asObject;
const str = asString;
const num = asNumber;
const ref = (v: VimValue | undefined): MoRef | undefined => (isMoRef(v) ? v : undefined);

function decodeBacking(b: VimObject): NicBacking | undefined {
  if (b.$type === "VirtualEthernetCardDistributedVirtualPortBackingInfo") {
    const port = obj(b.port);
    return { kind: "dvportgroup", switchUuid: str(port.switchUuid) ?? "", portgroupKey: str(port.portgroupKey) ?? "" };
  }
  if (b.$type === "VirtualEthernetCardNetworkBackingInfo" || b.deviceName !== undefined) {
    return { kind: "network", name: str(b.deviceName) ?? "", network: ref(b.network) };
  }
  return undefined;
}

/** Splits `config.hardware.device` into NICs, SCSI controllers and disks. */
export function classifyDevices(devices: VimValue[]): Pick<VmInfo, "nics" | "scsiControllers" | "disks"> {
  const nics: NicInfo[] = [];
  const scsiControllers: ScsiControllerInfo[] = [];
  const disks: DiskInfo[] = [];
  for (const d of devices.map(obj)) {
    const type = d.$type ?? "";
    const key = num(d.key) ?? 0;
    const label = str(obj(d.deviceInfo).label);
    if (NIC_TYPES.has(type)) {
      const backing = decodeBacking(obj(d.backing));
      const c = obj(d.connectable);
      nics.push({
        key, type, label, macAddress: str(d.macAddress), addressType: str(d.addressType), backing,
        networkName: backing?.kind === "network" ? backing.name : undefined,
        connectable: d.connectable ? { startConnected: asBool(c.startConnected) === true, allowGuestControl: asBool(c.allowGuestControl) === true, connected: asBool(c.connected) === true } : undefined,
        unitNumber: num(d.unitNumber),
      });
    } else if (SCSI_TYPES.has(type)) {
      scsiControllers.push({ key, type, busNumber: num(d.busNumber) ?? 0 });
    } else if (type === "VirtualDisk") {
      disks.push({ key, label, capacityKB: num(d.capacityInKB) ?? 0, fileName: str(obj(d.backing).fileName), controllerKey: num(d.controllerKey), unitNumber: num(d.unitNumber) });
    }
  }
  // In bus order, not device order: vSphere (and vcsim, which moves an edited device to the end)
  // may list a grown disk last, and the first disk is the system disk to every reader.
  const bus = new Map(scsiControllers.map((c) => [c.key, c.busNumber]));
  const rank = (d: DiskInfo) => [d.controllerKey === undefined ? Infinity : bus.get(d.controllerKey) ?? 100 + d.controllerKey, d.unitNumber ?? 0];
  disks.sort((a, b) => rank(a)[0] - rank(b)[0] || rank(a)[1] - rank(b)[1]);
  return { nics, scsiControllers, disks };
}

/** Flattens `snapshot.rootSnapshotList` (depth first). */
export function flattenSnapshots(trees: VimValue[], parents: string[] = []): SnapshotInfo[] {
  const out: SnapshotInfo[] = [];
  for (const t of trees.map(obj)) {
    const name = str(t.name) ?? "";
    const r = ref(t.snapshot);
    if (r) out.push({ ref: r, name, description: str(t.description), createTime: str(t.createTime), path: [...parents, name] });
    out.push(...flattenSnapshots(many(t.childSnapshotList), [...parents, name]));
  }
  return out;
}

/** Reads a VM; throws ManagedObjectNotFoundError when it is gone. */
export async function readVm(c: PropertyCollectorHost, vm: MoRef): Promise<VmInfo> {
  const { props: p } = await retrieveProperties(c, vm, VM_PATHS);
  const snap = obj(p.snapshot);
  return {
    ref: vm,
    name: str(p.name) ?? "",
    powerState: str(p["runtime.powerState"]) ?? "unknown",
    template: asBool(p["config.template"]) === true,
    guestId: str(p["config.guestId"]),
    guestFullName: str(p["config.guestFullName"]),
    numCPUs: num(p["config.hardware.numCPU"]),
    numCoresPerSocket: num(p["config.hardware.numCoresPerSocket"]),
    memoryMB: num(p["config.hardware.memoryMB"]),
    firmware: str(p["config.firmware"]),
    changeVersion: str(p["config.changeVersion"]),
    modified: str(p["config.modified"]),
    contentVersion: str(p["config.changeVersion"]) ?? str(p["config.modified"]),
    uuid: str(p["config.uuid"]),
    instanceUuid: str(p["config.instanceUuid"]),
    vmPathName: str(p["config.files.vmPathName"]),
    ...classifyDevices(many(p["config.hardware.device"])),
    snapshots: flattenSnapshots(many(snap.rootSnapshotList)),
    currentSnapshot: ref(snap.currentSnapshot),
    parent: ref(p.parent),
    resourcePool: ref(p.resourcePool),
    datastores: many<MoRef>(p.datastore).filter(isMoRef),
  };
}
