/**
 * Reads an OVF descriptor into the typed model. Elements and attributes are matched by namespace
 * URI and local name (any prefix, any order); optional sections may be absent.
 */
import { child, children, parseXml, XmlElement, XmlParseError } from "../soap/xml";
import { OvfFormatError } from "./errors";
import {
  OvfCollection,
  OvfController,
  OvfDescriptor,
  OvfDisk,
  OvfFile,
  OvfFirmware,
  OvfNetwork,
  OvfNic,
  OvfVirtualSystem,
} from "./model";
import { canonicalNamespace, DRAFT_ENVELOPE_NS, ENVELOPE_NAMESPACES, OVF_NS, SETTINGS_NAMESPACES } from "./namespaces";
import { bytesPerUnit, parseCount } from "./units";

/** RASD ResourceType values (CIM_ResourceAllocationSettingData). */
const RT = { cpu: 3, memory: 4, ide: 5, scsi: 6, nic: 10, sata: 20 } as const;

/**
 * Parses descriptor text. Throws `OvfFormatError` when the XML is malformed or carries a DOCTYPE,
 * the root is not an OVF 1.x/2.x Envelope, there is not exactly one virtual machine, or a
 * required value (a file's href) is missing or unreadable. A disk whose capacity cannot be read
 * is kept, with `capacityIssue` saying why, so the checks report it beside the other findings.
 */
export async function parseDescriptor(xml: string): Promise<OvfDescriptor> {
  if (hasDoctype(xml)) {
    throw new OvfFormatError("", "the descriptor has a DOCTYPE; DOCTYPE and entities are refused (an entity can pull in files of the machine reading it, and no exporter writes one): remove the DOCTYPE or export the OVF again");
  }
  let root: XmlElement;
  try {
    root = canonical(await parseXml(xml));
  } catch (err) {
    if (err instanceof XmlParseError) {
      throw new OvfFormatError("", `the descriptor is not well-formed XML (${err.message.replace(/^malformed XML: /, "")}); re-export the OVF or fix the file`);
    }
    throw err;
  }
  if (root.name === "Envelope" && root.ns === DRAFT_ENVELOPE_NS) {
    throw new OvfFormatError("", `the root element is in the pre-1.0 draft namespace ${DRAFT_ENVELOPE_NS} (OVF 0.9), which App Layering does not import; export the VM again from vSphere, or convert it with ovftool, to get an OVF 1.0 descriptor`);
  }
  if (root.name !== "Envelope" || !ENVELOPE_NAMESPACES.includes(root.ns)) {
    throw new OvfFormatError("", `the root element is {${root.ns}}${root.name}, not an OVF Envelope (${OVF_NS.envelope1}); point at the .ovf descriptor`);
  }
  const ns = root.ns;
  const { vs, collection } = findVirtualSystem(root, ns);
  const desc: OvfDescriptor = {
    files: children(child(root, "References", ns), "File", ns).map((f) => readFile(f, ns)),
    disks: sections(root, vs, ns, "DiskSection").flatMap((s) => children(s, "Disk", ns)).map((d) => readDisk(d, ns)),
    networks: sections(root, vs, ns, "NetworkSection").flatMap((s) => children(s, "Network", ns)).map((n) => readNetwork(n, ns)),
    virtualSystem: readVirtualSystem(vs, ns, defaultConfiguration(root, ns)),
  };
  if (collection) desc.collection = collection;
  return desc;
}

/** True when the prolog (before the root element) holds a document type declaration. */
function hasDoctype(xml: string): boolean {
  let rest = xml.replace(/^\uFEFF/, "");
  for (;;) {
    rest = rest.replace(/^\s+/, "");
    const skip = /^(<\?[\s\S]*?\?>|<!--[\s\S]*?-->)/.exec(rest);
    if (!skip) break;
    rest = rest.slice(skip[0].length);
  }
  return /^<!DOCTYPE/i.test(rest);
}

/** The tree with `.xsd`-suffixed namespace URIs read as the namespaces they name. */
function canonical(el: XmlElement): XmlElement {
  return {
    ...el,
    ns: canonicalNamespace(el.ns),
    attrs: el.attrs.map((a) => ({ ...a, ns: canonicalNamespace(a.ns) })),
    children: el.children.map(canonical),
  };
}

/**
 * The package's one VirtualSystem: beside the Envelope's sections, or the only VM of a
 * VirtualSystemCollection (vCloud Director and ovftool write a one-VM vApp that way).
 */
function findVirtualSystem(root: XmlElement, ns: string): { vs: XmlElement; collection?: OvfCollection } {
  const direct = children(root, "VirtualSystem", ns);
  const collections = children(root, "VirtualSystemCollection", ns);
  if (collections.length === 0) {
    if (direct.length !== 1) {
      throw new OvfFormatError("VirtualSystem", `expected exactly one VirtualSystem, found ${direct.length}; export the OS machine as its own OVF`);
    }
    return { vs: direct[0] };
  }
  const top = collections[0];
  const collection: OvfCollection = { id: ovfAttr(top, ns, "id")?.trim() ?? "" };
  const name = text(child(top, "Name", ns));
  if (name !== undefined) collection.name = name;
  const label = `VirtualSystemCollection "${collection.name ?? collection.id}"`;
  const vms = [...direct, ...collections.flatMap((c) => systemsIn(c, ns))];
  if (collections.length > 1 || vms.length !== 1) {
    const ids = vms.map((v) => ovfAttr(v, ns, "id")?.trim() || "?");
    throw new OvfFormatError(
      "VirtualSystemCollection",
      `the package is a vApp (${label}) holding ${vms.length} virtual machine${vms.length === 1 ? "" : "s"}${ids.length ? ` (${ids.join(", ")})` : ""}; an OS layer is made from exactly one VM: export the OS machine on its own`,
    );
  }
  return { vs: vms[0], collection };
}

function systemsIn(collection: XmlElement, ns: string): XmlElement[] {
  return [
    ...children(collection, "VirtualSystem", ns),
    ...children(collection, "VirtualSystemCollection", ns).flatMap((c) => systemsIn(c, ns)),
  ];
}

/** The deployment option whose hardware counts: the one marked ovf:default, else the first (as vSphere picks). */
function defaultConfiguration(root: XmlElement, ns: string): string | undefined {
  const configs = children(child(root, "DeploymentOptionSection", ns), "Configuration", ns);
  const chosen = configs.find((c) => ovfAttr(c, ns, "default")?.trim() === "true") ?? configs[0];
  return chosen ? ovfAttr(chosen, ns, "id")?.trim() : undefined;
}

// ---- small matchers over the shared element tree (namespace-aware) ----

/** Envelope-level sections; OVF 2 also allows them inside the VirtualSystem. */
function sections(root: XmlElement, vs: XmlElement, ns: string, name: string): XmlElement[] {
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
  const chunkSize = optionalCount(el, ns, "chunkSize", where);
  if (chunkSize) file.chunkSize = chunkSize;
  return file;
}

function readDisk(el: XmlElement, ns: string): OvfDisk {
  const diskId = required(el, ns, "diskId", "DiskSection/Disk");
  const where = `DiskSection/Disk[${diskId}]`;
  const disk: OvfDisk = { diskId };
  const capacity = readCapacity(el, ns, where);
  if ("bytes" in capacity) disk.capacityBytes = capacity.bytes;
  else disk.capacityIssue = capacity;
  const fileRef = ovfAttr(el, ns, "fileRef")?.trim();
  if (fileRef) disk.fileRef = fileRef;
  const populated = optionalCount(el, ns, "populatedSize", where);
  if (populated !== undefined) disk.populatedSizeBytes = populated;
  const format = ovfAttr(el, ns, "format")?.trim();
  if (format) disk.format = format;
  return disk;
}

function readCapacity(el: XmlElement, ns: string, where: string): { bytes: number } | { where: string; message: string } {
  const rawCapacity = ovfAttr(el, ns, "capacity")?.trim();
  if (!rawCapacity) return { where: `${where}@ovf:capacity`, message: "ovf:capacity is missing (the OVF specification requires it)" };
  const count = parseCount(rawCapacity);
  if (count === undefined) {
    return { where: `${where}@ovf:capacity`, message: `"${rawCapacity}" is not a whole number (property references like \${size} are not supported)` };
  }
  const units = ovfAttr(el, ns, "capacityAllocationUnits") ?? "byte";
  const unit = bytesPerUnit(units);
  if (unit === undefined) return { where: `${where}@ovf:capacityAllocationUnits`, message: `unknown units "${units}" (known: "byte", "byte * 2^N")` };
  const bytes = count * unit;
  if (!Number.isSafeInteger(bytes)) return { where: `${where}@ovf:capacity`, message: `${rawCapacity} × ${units} is too large` };
  return { bytes };
}

function readNetwork(el: XmlElement, ns: string): OvfNetwork {
  const network: OvfNetwork = { name: required(el, ns, "name", "NetworkSection/Network") };
  const description = text(child(el, "Description", ns));
  if (description !== undefined) network.description = description;
  return network;
}

function readVirtualSystem(vs: XmlElement, ns: string, configuration: string | undefined): OvfVirtualSystem {
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
  if (hw) readHardware(hw, ns, out, configuration);
  if (configuration !== undefined) out.deploymentOption = configuration;
  return out;
}

/** Local-name lookup of an item's settings child (rasd, epasd or sasd namespace). */
function setting(item: XmlElement, name: string): string | undefined {
  return text(item.children.find((c) => c.name === name && SETTINGS_NAMESPACES.includes(c.ns)));
}

const ITEM_ELEMENTS = ["Item", "EthernetPortItem", "StorageItem"];

function readHardware(hw: XmlElement, ns: string, out: OvfVirtualSystem, configuration: string | undefined): void {
  const system = child(hw, "System", ns);
  const vsType = text(system?.children.find((c) => c.name === "VirtualSystemType" && c.ns === OVF_NS.vssd));
  if (vsType !== undefined) out.hardwareVersion = vsType;

  for (const item of hw.children.filter((c) => c.ns === ns && ITEM_ELEMENTS.includes(c.name))) {
    if (appliesTo(item, ns, configuration)) readItem(item, out);
  }
  for (const cfg of hw.children.filter((c) => c.ns === OVF_NS.vmw && (c.name === "Config" || c.name === "ExtraConfig"))) {
    if (vmwAttr(cfg, "key") === "firmware") out.firmware = readFirmware(vmwAttr(cfg, "value") ?? "");
  }
}

/** An item with `ovf:configuration` belongs only to the deployment options it lists. */
function appliesTo(item: XmlElement, ns: string, configuration: string | undefined): boolean {
  const only = ovfAttr(item, ns, "configuration")?.trim();
  if (!only || configuration === undefined) return true;
  return only.split(/\s+/).includes(configuration);
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
