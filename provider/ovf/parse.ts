/**
 * Reads an OVF descriptor into the typed model. Elements and attributes are matched by namespace
 * URI and local name (any prefix, any order); optional sections may be absent.
 */
import { child, children, parseXml, XmlElement, XmlParseError } from "../soap/xml";
import { OvfFormatError } from "./errors";
import {
  OvfController,
  OvfDescriptor,
  OvfDisk,
  OvfFile,
  OvfFirmware,
  OvfNetwork,
  OvfNic,
  OvfVirtualSystem,
} from "./model";
import { ENVELOPE_NAMESPACES, OVF_NS, SETTINGS_NAMESPACES } from "./namespaces";
import { bytesPerUnit, parseCount } from "./units";

/** RASD ResourceType values (CIM_ResourceAllocationSettingData). */
const RT = { cpu: 3, memory: 4, ide: 5, scsi: 6, nic: 10, sata: 20 } as const;

/**
 * Parses descriptor text. Throws `OvfFormatError` when the XML is malformed, the root is not an
 * OVF Envelope, there is not exactly one VirtualSystem, or a required value (a file's href, a
 * disk's capacity) is missing or unreadable.
 */
export async function parseDescriptor(xml: string): Promise<OvfDescriptor> {
  let root: XmlElement;
  try {
    root = await parseXml(xml);
  } catch (err) {
    if (err instanceof XmlParseError) {
      throw new OvfFormatError("", `the descriptor is not well-formed XML (${err.message.replace(/^malformed XML: /, "")}); re-export the OVF or fix the file`);
    }
    throw err;
  }
  if (root.name !== "Envelope" || !ENVELOPE_NAMESPACES.includes(root.ns)) {
    throw new OvfFormatError("", `the root element is {${root.ns}}${root.name}, not an OVF Envelope (${OVF_NS.envelope1}); point at the .ovf descriptor`);
  }
  const ns = root.ns;
  return {
    files: children(child(root, "References", ns), "File", ns).map((f) => readFile(f, ns)),
    disks: sections(root, ns, "DiskSection").flatMap((s) => children(s, "Disk", ns)).map((d) => readDisk(d, ns)),
    networks: sections(root, ns, "NetworkSection").flatMap((s) => children(s, "Network", ns)).map((n) => readNetwork(n, ns)),
    virtualSystem: readVirtualSystem(root, ns),
  };
}

// ---- small matchers over the shared element tree (namespace-aware) ----

/** Envelope-level sections; OVF 2 also allows them inside the VirtualSystem. */
function sections(root: XmlElement, ns: string, name: string): XmlElement[] {
  const vs = child(root, "VirtualSystem", ns);
  return [...children(root, name, ns), ...children(vs, name, ns)];
}

/** An OVF attribute: qualified with the envelope namespace, or unqualified (tolerated). */
function ovfAttr(el: XmlElement, ns: string, name: string): string | undefined {
  return (el.attrs.find((a) => a.name === name && a.ns === ns) ?? el.attrs.find((a) => a.name === name && a.ns === ""))?.value;
}

function vmwAttr(el: XmlElement, name: string): string | undefined {
  return (el.attrs.find((a) => a.name === name && a.ns === OVF_NS.vmw) ?? el.attrs.find((a) => a.name === name && a.ns === ""))?.value;
}

function text(el: XmlElement | undefined): string | undefined {
  const t = el?.text.trim();
  return t ? t : undefined;
}

function required(el: XmlElement, ns: string, attrName: string, where: string): string {
  const v = ovfAttr(el, ns, attrName)?.trim();
  if (!v) throw new OvfFormatError(where, `ovf:${attrName} is missing; the OVF specification requires it, re-export the OVF`);
  return v;
}

function optionalCount(el: XmlElement, ns: string, attrName: string, where: string): number | undefined {
  const raw = ovfAttr(el, ns, attrName);
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = parseCount(raw);
  if (n === undefined) throw new OvfFormatError(`${where}@ovf:${attrName}`, `"${raw}" is not a whole number of bytes; fix the value or re-export the OVF`);
  return n;
}

// ---- sections ----

function readFile(el: XmlElement, ns: string): OvfFile {
  const id = required(el, ns, "id", "References/File");
  const where = `References/File[${id}]`;
  const file: OvfFile = { id, href: required(el, ns, "href", where) };
  const size = optionalCount(el, ns, "size", where);
  if (size !== undefined) file.size = size;
  return file;
}

function readDisk(el: XmlElement, ns: string): OvfDisk {
  const diskId = required(el, ns, "diskId", "DiskSection/Disk");
  const where = `DiskSection/Disk[${diskId}]`;
  const rawCapacity = required(el, ns, "capacity", where);
  const count = parseCount(rawCapacity);
  if (count === undefined) {
    throw new OvfFormatError(`${where}@ovf:capacity`, `"${rawCapacity}" is not a whole number (property references like \${size} are not supported); give the capacity as a number`);
  }
  const units = ovfAttr(el, ns, "capacityAllocationUnits") ?? "byte";
  const unit = bytesPerUnit(units);
  if (unit === undefined) {
    throw new OvfFormatError(`${where}@ovf:capacityAllocationUnits`, `unknown units "${units}"; use "byte" or "byte * 2^N"`);
  }
  const capacityBytes = count * unit;
  if (!Number.isSafeInteger(capacityBytes)) throw new OvfFormatError(`${where}@ovf:capacity`, `${rawCapacity} × ${units} is too large`);
  const disk: OvfDisk = { diskId, capacityBytes };
  const fileRef = ovfAttr(el, ns, "fileRef")?.trim();
  if (fileRef) disk.fileRef = fileRef;
  const populated = optionalCount(el, ns, "populatedSize", where);
  if (populated !== undefined) disk.populatedSizeBytes = populated;
  const format = ovfAttr(el, ns, "format")?.trim();
  if (format) disk.format = format;
  return disk;
}

function readNetwork(el: XmlElement, ns: string): OvfNetwork {
  const network: OvfNetwork = { name: required(el, ns, "name", "NetworkSection/Network") };
  const description = text(child(el, "Description", ns));
  if (description !== undefined) network.description = description;
  return network;
}

function readVirtualSystem(root: XmlElement, ns: string): OvfVirtualSystem {
  if (child(root, "VirtualSystemCollection", ns)) {
    throw new OvfFormatError("VirtualSystemCollection", "the package holds several virtual machines; an OS layer needs an OVF of exactly one VM, export the OS machine on its own");
  }
  const systems = children(root, "VirtualSystem", ns);
  if (systems.length !== 1) {
    throw new OvfFormatError("VirtualSystem", `expected exactly one VirtualSystem, found ${systems.length}; export the OS machine as its own OVF`);
  }
  const vs = systems[0];
  const id = ovfAttr(vs, ns, "id")?.trim() ?? "";
  const out: OvfVirtualSystem = { id, firmware: "bios", nics: [], controllers: [] };
  const name = text(child(vs, "Name", ns));
  if (name !== undefined) out.name = name;

  const os = child(vs, "OperatingSystemSection", ns);
  if (os) {
    const osType = vmwAttr(os, "osType")?.trim();
    if (osType) out.osType = osType;
    const osDescription = text(child(os, "Description", ns));
    if (osDescription !== undefined) out.osDescription = osDescription;
    const cimId = parseCount(ovfAttr(os, ns, "id"));
    if (cimId !== undefined) out.osCimId = cimId;
  }

  const hw = child(vs, "VirtualHardwareSection", ns);
  if (hw) readHardware(hw, ns, out);
  return out;
}

/** Local-name lookup of an item's settings child (rasd, epasd or sasd namespace). */
function setting(item: XmlElement, name: string): string | undefined {
  return text(item.children.find((c) => c.name === name && SETTINGS_NAMESPACES.includes(c.ns)));
}

const ITEM_ELEMENTS = ["Item", "EthernetPortItem", "StorageItem"];

function readHardware(hw: XmlElement, ns: string, out: OvfVirtualSystem): void {
  const system = child(hw, "System", ns);
  const vsType = text(system?.children.find((c) => c.name === "VirtualSystemType" && c.ns === OVF_NS.vssd));
  if (vsType !== undefined) out.hardwareVersion = vsType;

  for (const item of hw.children.filter((c) => c.ns === ns && ITEM_ELEMENTS.includes(c.name))) {
    readItem(item, out);
  }
  for (const cfg of hw.children.filter((c) => c.ns === OVF_NS.vmw && (c.name === "Config" || c.name === "ExtraConfig"))) {
    if (vmwAttr(cfg, "key") === "firmware") out.firmware = readFirmware(vmwAttr(cfg, "value") ?? "");
  }
}

function readFirmware(value: string): OvfFirmware {
  const v = value.trim().toLowerCase();
  if (v === "efi") return "efi";
  if (v === "bios" || v === "") return "bios";
  throw new OvfFormatError("VirtualHardwareSection/vmw:Config[firmware]", `unknown firmware "${value}"; expected "bios" or "efi"`);
}

function readItem(item: XmlElement, out: OvfVirtualSystem): void {
  const resourceType = parseCount(setting(item, "ResourceType"));
  const instanceId = setting(item, "InstanceID");
  const subtype = setting(item, "ResourceSubType");
  const where = `VirtualHardwareSection/Item[${instanceId ?? "?"}]`;
  switch (resourceType) {
    case RT.cpu: {
      const n = parseCount(setting(item, "VirtualQuantity"));
      if (n !== undefined) out.cpus = n;
      return;
    }
    case RT.memory: {
      const n = parseCount(setting(item, "VirtualQuantity"));
      if (n === undefined) return;
      const units = setting(item, "AllocationUnits") ?? "byte * 2^20";
      const unit = bytesPerUnit(units);
      if (unit === undefined) throw new OvfFormatError(`${where}/rasd:AllocationUnits`, `unknown memory units "${units}"; use "byte * 2^20"`);
      out.memoryMb = Math.floor((n * unit) / 2 ** 20);
      return;
    }
    case RT.nic: {
      const nic: OvfNic = { type: subtype ?? "" };
      const network = setting(item, "Connection");
      if (network !== undefined) nic.network = network;
      if (instanceId !== undefined) nic.instanceId = instanceId;
      out.nics.push(nic);
      return;
    }
    case RT.ide:
    case RT.scsi:
    case RT.sata: {
      const kind = resourceType === RT.ide ? "ide" : resourceType === RT.scsi ? "scsi" : /nvme/i.test(subtype ?? "") ? "nvme" : "sata";
      const controller: OvfController = { kind };
      if (subtype !== undefined) controller.subtype = subtype;
      if (instanceId !== undefined) controller.instanceId = instanceId;
      out.controllers.push(controller);
      return;
    }
    default:
      return;
  }
}
