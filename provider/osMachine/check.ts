import { CheckFailure, InputReader } from "../inputs";
import { DEFAULT_PREPARE_SNAPSHOT, checkPrepare } from "./prepare/check";
import type { Firmware, OsMachineInputs, PowerState } from "./types";

/**
 * Guest ids of the Windows Server family (vSphere's VirtualMachineGuestOsIdentifier); App Layering
 * OS layers are Windows. Desktop Windows ids are accepted too: OS layers also hold Windows 10/11.
 */
export const WINDOWS_GUEST_IDS = [
  "windows7Server64Guest",
  "windows8Server64Guest",
  "windows9Server64Guest",
  "windows2019srv_64Guest",
  "windows2019srvNext_64Guest",
  "windows2022srvNext_64Guest",
  "windows9_64Guest",
  "windows11_64Guest",
  "windows12_64Guest",
] as const;

const VM_NAME: [RegExp, string] = [/^[^%\\/]+$/, "must not contain % \\ or / (vSphere escapes them in inventory paths)"];
const PATH: [RegExp, string] = [/^[^\\]*$/, "is an inventory path: use / between folders, e.g. DC0/vm/Templates/win2022"];

/**
 * Validates and defaults. `olds` (the previous inputs, when the resource exists) lets it refuse
 * changes the provider cannot make in place and that should not destroy the VM either.
 */
export function checkOsMachine(news: Record<string, unknown>, olds: Record<string, unknown> = {}): { inputs: OsMachineInputs; failures: CheckFailure[] } {
  const r = new InputReader(news, "OsMachine");
  const adopt = r.has("adoptInventoryPath");
  const inputs: OsMachineInputs = {
    name: r.string("name", { required: true, max: 80, pattern: VM_NAME })!,
    datacenter: r.string("datacenter", { required: true })!,
    folder: r.string("folder", { pattern: PATH }),
    resourcePool: r.string("resourcePool", { pattern: PATH }),
    datastore: r.string("datastore"),
    network: r.string("network"),
    // An adopted VM keeps its own hardware unless the program says otherwise: no defaults then.
    guestId: r.string("guestId", { default: adopt ? undefined : "windows2019srv_64Guest" }),
    cpus: r.number("cpus", { default: adopt ? undefined : 2, min: 1, max: 128, integer: true }),
    memoryMb: r.number("memoryMb", { default: adopt ? undefined : 4096, min: 1024, max: 6 * 1024 * 1024, integer: true, unit: "MB" }),
    diskGb: r.number("diskGb", { default: adopt ? undefined : 60, min: 1, max: 2040, integer: true, unit: "GB" }),
    firmware: r.string("firmware", { default: "bios" }) as Firmware,
    template: r.string("template", { pattern: PATH }),
    adoptInventoryPath: r.string("adoptInventoryPath", { pattern: PATH }),
    powerState: r.string("powerState", { default: "poweredOff" }) as PowerState,
    snapshotName: r.string("snapshotName", { max: 80 }),
    operationTimeout: r.number("operationTimeout", { default: 30, min: 0.01, unit: "minutes" })!,
    prepare: checkPrepare(news.prepare, r.failures),
  };
  if (inputs.prepare) {
    // The procedure snapshots between the two phases and ends shut down.
    inputs.snapshotName ??= DEFAULT_PREPARE_SNAPSHOT;
    if (inputs.powerState === "poweredOn") r.fail("powerState", 'prepare ends with Windows shut down, as the procedure does: leave powerState unset (or "poweredOff")');
  }
  if (inputs.guestId !== undefined && !r.unknown("guestId") && !(WINDOWS_GUEST_IDS as readonly string[]).includes(inputs.guestId)) {
    r.fail("guestId", `"${inputs.guestId}" is not a Windows guest id; OS layers are Windows: use one of ${WINDOWS_GUEST_IDS.join(", ")}`);
  }
  if (typeof inputs.memoryMb === "number" && Number.isInteger(inputs.memoryMb) && inputs.memoryMb % 4 !== 0) {
    r.fail("memoryMb", `must be a multiple of 4 MB (vSphere refuses others), got ${inputs.memoryMb}: use e.g. ${Math.round(inputs.memoryMb / 4) * 4}`);
  }
  if (!r.unknown("firmware") && inputs.firmware !== "bios" && inputs.firmware !== "efi") {
    r.fail("firmware", `must be "bios" or "efi", got "${inputs.firmware}" (App Layering OS layers need "bios")`);
  }
  if (!r.unknown("powerState") && inputs.powerState !== "poweredOff" && inputs.powerState !== "poweredOn") {
    r.fail("powerState", `must be "poweredOff" or "poweredOn", got "${inputs.powerState}"`);
  }
  if (adopt && r.has("template")) r.fail("template", "set either template (clone) or adoptInventoryPath (adopt), not both");
  if (!adopt) {
    if (!r.has("datastore")) r.fail("datastore", "is required to create or clone a VM: name the datastore for its disk");
    if (!r.has("network") && !r.has("template")) r.fail("network", "is required to create a VM: name the port group of its VMXNet3 NIC");
  }
  const replaced = ["datacenter", "folder", "resourcePool", "datastore", "template", "adoptInventoryPath"].some((k) => olds[k] !== news[k]);
  if (typeof olds.network === "string" && inputs.network !== undefined && !r.unknown("network") && olds.network !== inputs.network && !replaced) {
    r.fail("network", `the VM's network is set when it is created (it is "${olds.network}"): change the port group in vSphere and set network to match`);
  }
  for (const k of Object.keys(inputs) as Array<keyof OsMachineInputs>) if (inputs[k] === undefined) delete inputs[k];
  return { inputs, failures: r.failures };
}
