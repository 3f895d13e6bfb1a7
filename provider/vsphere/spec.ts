/**
 * Request data objects in XSD sequence order (VMware's vim.xsd), with `xsi:type` on every
 * polymorphic member: vCenter is order-sensitive and rejects untyped subtypes, while vcsim
 * silently accepts both mistakes, so unit tests check these against the schema order.
 */
import { RawXml, XmlContent, el } from "../soap";
import type { MoRef } from "./types";
import { moref, opt, typed } from "./wire";

export type ScsiControllerType = "VirtualLsiLogicSASController" | "ParaVirtualSCSIController" | "VirtualLsiLogicController" | "VirtualBusLogicController";

/** A NIC's network: a standard portgroup (Network) or a distributed portgroup. */
export type NicBacking =
  | { kind: "network"; name: string; network?: MoRef }
  | { kind: "dvportgroup"; switchUuid: string; portgroupKey: string };

export interface Connectable {
  startConnected: boolean;
  allowGuestControl: boolean;
  connected: boolean;
}

/** VirtualDeviceConnectInfo: startConnected, allowGuestControl, connected. */
export function connectInfo(c: Connectable): RawXml {
  return el("connectable", [el("startConnected", c.startConnected), el("allowGuestControl", c.allowGuestControl), el("connected", c.connected)]);
}

/** A NIC backing with its concrete xsi:type. */
export function nicBacking(b: NicBacking): RawXml {
  if (b.kind === "network") {
    // VirtualDeviceDeviceBackingInfo: deviceName, useAutoDetect; then network, inPassthroughMode.
    return typed("backing", "VirtualEthernetCardNetworkBackingInfo", [el("deviceName", b.name), b.network ? moref("network", b.network) : undefined]);
  }
  return typed("backing", "VirtualEthernetCardDistributedVirtualPortBackingInfo", [
    el("port", [el("switchUuid", b.switchUuid), el("portgroupKey", b.portgroupKey)]),
  ]);
}

/** A VMXNet3 (or other) ethernet card: VirtualDevice fields, then VirtualEthernetCard fields. */
export function nicDevice(o: { type?: string; key: number; backing: NicBacking; connectable?: Connectable; macAddress?: string; unitNumber?: number }): RawXml {
  return typed("device", o.type ?? "VirtualVmxnet3", [
    el("key", o.key),
    nicBacking(o.backing),
    connectInfo(o.connectable ?? { startConnected: true, allowGuestControl: true, connected: false }),
    opt("unitNumber", o.unitNumber),
    el("addressType", o.macAddress ? "manual" : "generated"),
    opt("macAddress", o.macAddress),
  ]);
}

/** A SCSI controller: key, busNumber, then VirtualSCSIController.sharedBus. */
export function scsiDevice(o: { type: ScsiControllerType; key: number; busNumber: number }): RawXml {
  return typed("device", o.type, [el("key", o.key), el("busNumber", o.busNumber), el("sharedBus", "noSharing")]);
}

/** A thin-provisioned flat disk created with the VM (`fileName` empty lets vSphere name it). */
export function diskDevice(o: { key: number; controllerKey: number; unitNumber: number; capacityKB: number; thin?: boolean; datastore?: MoRef; fileName?: string; label?: string }): RawXml {
  return typed("device", "VirtualDisk", [
    el("key", o.key),
    // vSphere fills deviceInfo in itself; vcsim 0.24.2 dereferences it on edit, so an edit carries it.
    o.label !== undefined ? el("deviceInfo", [el("label", o.label), el("summary", "")]) : undefined,
    typed("backing", "VirtualDiskFlatVer2BackingInfo", [
      el("fileName", o.fileName ?? ""),
      o.datastore ? moref("datastore", o.datastore) : undefined,
      el("diskMode", "persistent"),
      el("thinProvisioned", o.thin ?? true),
    ]),
    el("controllerKey", o.controllerKey),
    el("unitNumber", o.unitNumber),
    el("capacityInKB", o.capacityKB),
  ]);
}

/** A device to remove: its concrete type and key are what vSphere needs. */
export function deviceRef(type: string, key: number): RawXml {
  return typed("device", type, [el("key", key)]);
}

/** VirtualDeviceConfigSpec: operation, fileOperation, device. */
export function deviceChange(operation: "add" | "remove" | "edit", device: RawXml, fileOperation?: "create" | "destroy" | "replace"): RawXml {
  return el("deviceChange", [el("operation", operation), opt("fileOperation", fileOperation), device]);
}

export interface ConfigSpecFields {
  changeVersion?: string;
  name?: string;
  /** Set on create so that the VM's ownership mark can be bound to it before vCenter answers. */
  instanceUuid?: string;
  guestId?: string;
  annotation?: string;
  vmPathName?: string;
  numCPUs?: number;
  numCoresPerSocket?: number;
  memoryMB?: number;
  deviceChange?: RawXml[];
  firmware?: "bios" | "efi";
}

/** VirtualMachineConfigSpec (the fields this client sets), in XSD order. */
export function configSpec(tag: string, f: ConfigSpecFields): RawXml {
  const content: XmlContent = [
    opt("changeVersion", f.changeVersion),
    opt("name", f.name),
    opt("instanceUuid", f.instanceUuid),
    opt("guestId", f.guestId),
    opt("annotation", f.annotation),
    f.vmPathName !== undefined ? el("files", el("vmPathName", f.vmPathName)) : undefined,
    opt("numCPUs", f.numCPUs),
    opt("numCoresPerSocket", f.numCoresPerSocket),
    opt("memoryMB", f.memoryMB),
    f.deviceChange ?? [],
    opt("firmware", f.firmware),
  ];
  return el(tag, content);
}

/** VirtualMachineCloneSpec: location{folder?, datastore?, pool?, host?}, template, config?, powerOn. */
export function cloneSpec(o: { folder?: MoRef; datastore?: MoRef; pool?: MoRef; host?: MoRef; template?: boolean; config?: RawXml; powerOn?: boolean }): RawXml {
  return el("spec", [
    el("location", [
      o.folder ? moref("folder", o.folder) : undefined,
      o.datastore ? moref("datastore", o.datastore) : undefined,
      o.pool ? moref("pool", o.pool) : undefined,
      o.host ? moref("host", o.host) : undefined,
    ]),
    el("template", o.template ?? false),
    o.config,
    el("powerOn", o.powerOn ?? false),
  ]);
}

/** A LocalizedMethodFault parameter (e.g. HttpNfcLeaseAbort.fault) with a SystemError reason. */
export function localizedFault(tag: string, reason: string): RawXml {
  return el(tag, [typed("fault", "SystemError", el("reason", reason)), el("localizedMessage", reason)]);
}
