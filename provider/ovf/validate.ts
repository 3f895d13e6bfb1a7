/**
 * Is this OVF fit to become an App Layering OS layer? One problem per finding, each naming where
 * it is and what to do about it. No I/O: what is on disk comes in through `presentFiles`.
 */
import { isPlainFileName } from "./fileNames";
import { OvfDescriptor } from "./model";

export type OvfProblemCode =
  | "NO_NIC"
  | "NIC_NOT_VMXNET3"
  | "PARAVIRTUAL_SCSI"
  | "EFI_FIRMWARE"
  | "GUEST_NOT_WINDOWS"
  | "GUEST_UNKNOWN"
  | "NO_DISK"
  | "DISK_FILE_UNKNOWN"
  | "DISK_TOO_LARGE"
  | "DISK_CAPACITY_UNKNOWN"
  | "FILE_NOT_BESIDE"
  | "FILE_MISSING"
  | "FILE_SIZE_MISMATCH"
  | "MANIFEST_MALFORMED"
  | "MANIFEST_MISMATCH"
  | "MANIFEST_FILE_MISSING"
  | "MANIFEST_INCOMPLETE"
  | "VMDK_NOT_SPARSE"
  | "VMDK_FORMAT_MISMATCH"
  | "VMDK_CAPACITY_MISMATCH"
  | "VMDK_MALFORMED"
  | "VMDK_TRUNCATED";

export interface OvfProblem {
  code: OvfProblemCode;
  /** Where in the descriptor (or package), e.g. `VirtualHardwareSection/Item[8] (NIC)` or `References/File[file1]`. */
  where: string;
  /** What is wrong and how to fix it. */
  message: string;
}

/**
 * What is beside the descriptor: a map of file name → size in bytes, or a function returning the
 * size, `true` (present, size unknown) or `false`/`undefined` (missing).
 */
export type PresentFiles = ReadonlyMap<string, number> | ((href: string) => number | boolean | undefined);

export interface ValidateOptions {
  /** Max Layer Size the OS layer will be created with, in GB (GiB); default 100 like the ELM wizard. */
  maxLayerSizeGb?: number;
  /** Files beside the descriptor; when left out, the file checks are skipped. */
  presentFiles?: PresentFiles;
}

/** The ELM's Create OS Layer wizard default for Max Layer Size. */
export const DEFAULT_MAX_LAYER_SIZE_GB = 100;

const GIB = 2 ** 30;

export function validateForOsLayer(desc: OvfDescriptor, opts: ValidateOptions = {}): OvfProblem[] {
  const maxGb = opts.maxLayerSizeGb ?? DEFAULT_MAX_LAYER_SIZE_GB;
  if (!(maxGb > 0) || !Number.isFinite(maxGb)) throw new RangeError(`maxLayerSizeGb must be a positive number of GB, got ${maxGb}`);
  return [
    ...checkNics(desc),
    ...checkControllers(desc),
    ...checkFirmware(desc),
    ...checkGuest(desc),
    ...checkDisks(desc, maxGb),
    ...(opts.presentFiles ? checkFiles(desc, opts.presentFiles) : []),
  ];
}

function itemWhere(instanceId: string | undefined, what: string): string {
  return `VirtualHardwareSection/Item[${instanceId ?? "?"}] (${what})`;
}

function checkNics(desc: OvfDescriptor): OvfProblem[] {
  const nics = desc.virtualSystem.nics;
  if (nics.length === 0) {
    return [{
      code: "NO_NIC",
      where: "VirtualHardwareSection",
      message: "the VM has no network adapter; add a VMXNet3 adapter to the OS machine and export again",
    }];
  }
  return nics
    .filter((n) => n.type.toLowerCase() !== "vmxnet3")
    .map((n, i) => ({
      code: "NIC_NOT_VMXNET3" as const,
      where: itemWhere(n.instanceId, `network adapter${n.network ? ` on "${n.network}"` : ""}`),
      message: `network adapter ${n.instanceId ?? i + 1} is ${n.type || "of unspecified type (no rasd:ResourceSubType)"}; App Layering needs VMXNet3 adapters only: replace it with a VMXNet3 adapter on the OS machine (OsMachine does this) and export again`,
    }));
}

function checkControllers(desc: OvfDescriptor): OvfProblem[] {
  return desc.virtualSystem.controllers
    .filter((c) => c.kind === "scsi" && /^(virtualscsi|pvscsi)$/i.test(c.subtype ?? ""))
    .map((c) => ({
      code: "PARAVIRTUAL_SCSI" as const,
      where: itemWhere(c.instanceId, "SCSI controller"),
      message: `SCSI controller${c.instanceId ? ` ${c.instanceId}` : ""} is VMware Paravirtual (${c.subtype}), which the OS layer import does not support; change it to LSI Logic SAS on the OS machine and export again`,
    }));
}

function checkFirmware(desc: OvfDescriptor): OvfProblem[] {
  if (desc.virtualSystem.firmware !== "efi") return [];
  return [{
    code: "EFI_FIRMWARE",
    where: "VirtualHardwareSection/vmw:Config[firmware]",
    message: "the VM boots with EFI firmware (GPT disk); an OS layer needs BIOS firmware with an MBR disk: build the OS machine with BIOS firmware and export again",
  }];
}

function checkGuest(desc: OvfDescriptor): OvfProblem[] {
  const { osType, osDescription } = desc.virtualSystem;
  if (osType !== undefined) {
    if (/^win/i.test(osType)) return [];
    return [{
      code: "GUEST_NOT_WINDOWS",
      where: "OperatingSystemSection@vmw:osType",
      message: `the guest OS is ${osType}${osDescription ? ` (${osDescription})` : ""}; an OS layer needs a Windows guest: export a Windows OS machine`,
    }];
  }
  if (osDescription !== undefined && /windows/i.test(osDescription)) return [];
  if (osDescription !== undefined && !/\bwin/i.test(osDescription)) {
    // VirtualBox and other non-vSphere exporters name the guest only in the Description.
    return [{
      code: "GUEST_NOT_WINDOWS",
      where: "OperatingSystemSection/Description",
      message: `the descriptor describes the guest OS as "${osDescription}" (no vmw:osType); an OS layer needs a Windows guest: export a Windows OS machine`,
    }];
  }
  return [{
    code: "GUEST_UNKNOWN",
    where: "OperatingSystemSection",
    message: "the descriptor does not say the guest is Windows (no vmw:osType); an OS layer needs a Windows guest: export the OVF from vSphere, which writes vmw:osType",
  }];
}

function checkDisks(desc: OvfDescriptor, maxGb: number): OvfProblem[] {
  if (desc.disks.length === 0) {
    return [{ code: "NO_DISK", where: "DiskSection", message: "the package has no disk; export the OS machine with its system disk" }];
  }
  const problems: OvfProblem[] = [];
  const fileIds = new Set(desc.files.map((f) => f.id));
  for (const d of desc.disks) {
    const where = `DiskSection/Disk[${d.diskId}]`;
    if (d.fileRef !== undefined && !fileIds.has(d.fileRef)) {
      problems.push({ code: "DISK_FILE_UNKNOWN", where, message: `ovf:fileRef "${d.fileRef}" names no File in References; re-export the OVF` });
    }
    if (d.capacityBytes === undefined) {
      const issue = d.capacityIssue ?? { where: `${where}@ovf:capacity`, message: "the capacity is not given" };
      problems.push({
        code: "DISK_CAPACITY_UNKNOWN",
        where: issue.where,
        message: `${issue.message}; the size of disk ${d.diskId} cannot be checked against the Max Layer Size: give the capacity in ovf:capacity (with ovf:capacityAllocationUnits) or export the OVF again from vSphere`,
      });
    } else if (d.capacityBytes > maxGb * GIB) {
      problems.push({
        code: "DISK_TOO_LARGE",
        where,
        message: `disk capacity ${formatGb(d.capacityBytes)} GB exceeds the Max Layer Size of ${maxGb} GB; raise the max layer size to at least ${Math.ceil(d.capacityBytes / GIB)} GB or shrink the disk`,
      });
    }
  }
  return problems;
}

function formatGb(bytes: number): string {
  const gb = bytes / GIB;
  return Number.isInteger(gb) ? String(gb) : gb.toFixed(2);
}

function lookup(present: PresentFiles, href: string): number | boolean | undefined {
  return typeof present === "function" ? present(href) : present.get(href);
}

function checkFiles(desc: OvfDescriptor, present: PresentFiles): OvfProblem[] {
  const problems: OvfProblem[] = [];
  for (const f of desc.files) {
    const where = `References/File[${f.id}]`;
    if (!isPlainFileName(f.href)) {
      problems.push({ code: "FILE_NOT_BESIDE", where, message: `ovf:href "${f.href}" is not a file name beside the descriptor; export as "Folder of files (OVF)" so every file sits next to the .ovf` });
      continue;
    }
    const found = lookup(present, f.href);
    if (found === undefined || found === false) {
      const stored = f.chunkSize ? ` (stored in chunks of ${f.chunkSize} bytes: ${f.href}.000000000, ${f.href}.000000001, …)` : "";
      problems.push({ code: "FILE_MISSING", where, message: `${f.href}${stored} is referenced but not beside the descriptor; copy it into the OVF folder or export again` });
    } else if (typeof found === "number" && f.size !== undefined && found !== f.size) {
      problems.push({ code: "FILE_SIZE_MISMATCH", where, message: `${f.href} is ${found} bytes but the descriptor says ${f.size} (ovf:size); the copy is incomplete or altered: copy it again or export again` });
    }
  }
  return problems;
}
