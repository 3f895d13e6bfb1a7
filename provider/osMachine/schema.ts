/**
 * The OsMachine's fields: what check() reads, what diff() replaces or updates, and what the SDK's
 * OsMachineArgs JSDoc says (tests/unit/resources/schemaDocs.test.ts holds the three together).
 */
import type { Schema } from "../schema";
import { checkPrepare } from "./prepare/check";
import type { OsMachineInputs } from "./types";

/** What a field means for an adopted VM: no default (it keeps its own), or not compared at all. */
export interface Adoption {
  adopted?: { noDefault?: true; ignored?: true };
}

const VM_NAME: [RegExp, string] = [/^[^%\\/]+$/, "must not contain % \\ or / (vSphere escapes them in inventory paths)"];
const PATH: [RegExp, string] = [/^[^\\]*$/, "is an inventory path: use / between folders, e.g. DC0/vm/Templates/win2022"];

// A different datacenter, home, template, guest OS, firmware or adoption target is a different VM;
// a rename, hardware (disks only grow), power and the snapshot are converged in place.
export const OS_MACHINE: Schema<OsMachineInputs, Adoption> = {
  name: { type: "string", summary: "VM name.", change: "update", required: true, max: 80, pattern: VM_NAME, adopted: { ignored: true } },
  datacenter: { type: "string", summary: "Datacenter name.", change: "replace", required: true },
  folder: { type: "string", summary: "VM folder below the datacenter's `vm` folder", change: "replace", pattern: PATH },
  resourcePool: { type: "string", summary: "Resource pool inventory path.", change: "replace", pattern: PATH },
  datastore: { type: "string", summary: "Datastore for the VM's files.", change: "replace" },
  network: { type: "string", summary: "Network (port group) of the VMXNet3 NIC.", change: "fixed" },
  guestId: {
    type: "string",
    summary: "vSphere guest id, Windows Server family.",
    change: "replace",
    default: "windows2019srv_64Guest",
    adopted: { noDefault: true, ignored: true },
  },
  cpus: { type: "number", summary: "Virtual CPUs.", change: "update", default: 2, min: 1, max: 128, integer: true, adopted: { noDefault: true } },
  memoryMb: {
    type: "number",
    summary: "Memory in MB.",
    change: "update",
    default: 4096,
    min: 1024,
    max: 6 * 1024 * 1024,
    integer: true,
    unit: "MB",
    adopted: { noDefault: true },
  },
  diskGb: { type: "number", summary: "System disk size in GB", change: "update", default: 60, min: 1, max: 2040, integer: true, unit: "GB", adopted: { noDefault: true } },
  firmware: {
    type: "string",
    summary: "`bios` (what App Layering needs: an MBR disk) or `efi`.",
    change: "replace",
    default: "bios",
    oneOf: { values: ["bios", "efi"], why: 'App Layering OS layers need "bios"' },
    adopted: { ignored: true },
  },
  template: { type: "string", summary: "Inventory path of a template to clone", change: "replace", pattern: PATH },
  adoptInventoryPath: { type: "string", summary: "Inventory path of an existing VM to adopt instead of creating one", change: "replace", pattern: PATH },
  powerState: { type: "string", summary: "`poweredOff` (what an export needs) or `poweredOn`.", change: "update", default: "poweredOff", oneOf: { values: ["poweredOff", "poweredOn"] } },
  snapshotName: { type: "string", summary: "A named snapshot kept present", change: "update", max: 80 },
  operationTimeout: { type: "number", summary: "Minutes to wait for vSphere tasks and guest shutdown.", change: "update", default: 30, min: 0.01, unit: "minutes" },
  // An update re-runs from the first changed step; diff() adds the replacement when the snapshot holds the old preparation.
  prepare: { type: "object", summary: "Prepare Windows inside the VM as the App Layering procedure says", change: "update", read: (v, r) => checkPrepare(v, r.failures) },
};
