/**
 * The typed model of an OVF descriptor, as far as App Layering cares: what the package
 * references, its disks and networks, and the one virtual machine's hardware.
 */

/** A file the package references (`References/File`). */
export interface OvfFile {
  /** `ovf:id`, what disks refer to in `ovf:fileRef`. */
  id: string;
  /** `ovf:href`: the file name beside the descriptor (or a URL). */
  href: string;
  /** `ovf:size` in bytes, when given. */
  size?: number;
  /** `ovf:chunkSize`: the file is stored as `<href>.000000000`, `<href>.000000001`, … of this many bytes each. */
  chunkSize?: number;
}

/** A virtual disk (`DiskSection/Disk`). */
export interface OvfDisk {
  /** `ovf:diskId`, what `rasd:HostResource` points at (`ovf:/disk/<diskId>`). */
  diskId: string;
  /** `ovf:fileRef`: the `OvfFile.id` with the disk's content; absent for a blank disk. */
  fileRef?: string;
  /** `ovf:capacity` times `ovf:capacityAllocationUnits`, in bytes; absent when it is missing or unreadable (see `capacityIssue`). */
  capacityBytes?: number;
  /** Why the capacity could not be read: one finding of the report, not the end of it. */
  capacityIssue?: { where: string; message: string };
  /** `ovf:populatedSize` in bytes, when given. */
  populatedSizeBytes?: number;
  /** `ovf:format`, e.g. `http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized`. */
  format?: string;
}

/** A logical network (`NetworkSection/Network`). */
export interface OvfNetwork {
  name: string;
  description?: string;
}

/** A network adapter (RASD ResourceType 10). */
export interface OvfNic {
  /** `rasd:ResourceSubType` as written (`VmxNet3`, `E1000`, `E1000e`, …); "" when absent. */
  type: string;
  /** `rasd:Connection`: the network name; absent when empty. */
  network?: string;
  /** `rasd:InstanceID`. */
  instanceId?: string;
}

export type OvfControllerKind = "scsi" | "sata" | "nvme" | "ide";

/** A disk controller (RASD ResourceType 5 IDE, 6 SCSI, 20 SATA/NVMe). */
export interface OvfController {
  kind: OvfControllerKind;
  /** `rasd:ResourceSubType` as written (`lsilogicsas`, `VirtualSCSI`, `vmware.sata.ahci`, …). */
  subtype?: string;
  /** `rasd:InstanceID`. */
  instanceId?: string;
}

export type OvfFirmware = "bios" | "efi";

/** The one `VirtualSystem` of the package. */
export interface OvfVirtualSystem {
  /** `ovf:id` of the VirtualSystem. */
  id: string;
  /** `Name`, when given. */
  name?: string;
  /** `vmw:osType` of `OperatingSystemSection`: the vSphere guest id, e.g. `windows9Server64Guest`. */
  osType?: string;
  /** `OperatingSystemSection/Description`, e.g. "Microsoft Windows Server 2016 or later (64-bit)". */
  osDescription?: string;
  /** `OperatingSystemSection ovf:id`: the CIM operating system number (varies between tools). */
  osCimId?: number;
  /** `vmw:Config vmw:key="firmware"`; absent means BIOS. */
  firmware: OvfFirmware;
  /** `vssd:VirtualSystemType`, e.g. `vmx-19`. */
  hardwareVersion?: string;
  /** Number of virtual CPUs (ResourceType 3). */
  cpus?: number;
  /** Memory in MiB (ResourceType 4). */
  memoryMb?: number;
  nics: OvfNic[];
  controllers: OvfController[];
  /** The `DeploymentOptionSection` configuration whose hardware was read (the default one), when the package has options. */
  deploymentOption?: string;
}

/** The `VirtualSystemCollection` (a vApp, as vCloud Director and ovftool write one) the VM was found in. */
export interface OvfCollection {
  id: string;
  name?: string;
}

export interface OvfDescriptor {
  files: OvfFile[];
  disks: OvfDisk[];
  networks: OvfNetwork[];
  virtualSystem: OvfVirtualSystem;
  /** Present when the VM is the only one of a VirtualSystemCollection. */
  collection?: OvfCollection;
}
