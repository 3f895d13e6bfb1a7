/** The OsMachine resource's inputs (after check()) and outputs, as stored in state. */
import type { PrepareInputs, PrepareOutputs } from "./prepare/types";

export type PowerState = "poweredOff" | "poweredOn";
export type Firmware = "bios" | "efi";

export interface OsMachineInputs {
  /** VM name (unique in its folder). */
  name: string;
  datacenter: string;
  /** VM folder, relative to the datacenter's `vm` folder ("" = its root). */
  folder?: string;
  /** Resource pool inventory path; default: the datacenter's first cluster or host pool. */
  resourcePool?: string;
  /** Datastore name. */
  datastore?: string;
  /** Network (port group) name for the VMXNet3 NIC. */
  network?: string;
  /** vSphere guest id, Windows Server family (an adopted VM keeps its own when unset). */
  guestId?: string;
  /** Unset on an adopted VM: its hardware is left as it is unless the program says otherwise. */
  cpus?: number;
  memoryMb?: number;
  diskGb?: number;
  firmware: Firmware;
  /** Inventory path of a template to clone instead of creating a new VM. */
  template?: string;
  /** Inventory path of an existing VM to adopt; it is released, never destroyed, on delete. */
  adoptInventoryPath?: string;
  powerState: PowerState;
  /** A named snapshot kept present. */
  snapshotName?: string;
  /** Minutes to wait for vSphere tasks and guest shutdown. */
  operationTimeout: number;
  /** What to do inside Windows through VMware Tools (prepare/). */
  prepare?: PrepareInputs;
}

export interface OsMachineOutputs extends OsMachineInputs, PrepareOutputs {
  /** The firmware vSphere reports (the `firmware` output keeps the program's value). */
  vmFirmware: string;
  /** The guest id vSphere reports. */
  vmGuestId: string;
  moref: string;
  instanceUuid: string;
  inventoryPath: string;
  nicType: string;
  scsiControllerTypes: string[];
  snapshotId: string;
  changeVersion: string;
  osLayerReady: boolean;
  /** Unmet preconditions for an OS layer, as sentences with the fix. */
  osLayerUnmet: string[];
  /** Whether this stack created the VM (false when adopted). */
  managed: boolean;
}
