import { CheckFailure, InputReader } from "../inputs";
import { readFields } from "../schema";
import { diffOsMachine } from "./diff";
import { DEFAULT_PREPARE_SNAPSHOT } from "./prepare/check";
import { OS_MACHINE } from "./schema";
import type { OsMachineInputs } from "./types";

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

/** Fields an adopted VM keeps as they are unless the program sets them: no defaults then. */
const KEPT_WHEN_ADOPTED = new Set(Object.entries(OS_MACHINE).filter(([, f]) => f.adopted?.noDefault).map(([k]) => k));

/**
 * Validates and defaults. `olds` (the previous inputs, when the resource exists) lets it refuse
 * changes the provider cannot make in place and that should not destroy the VM either.
 */
export function checkOsMachine(news: object, olds: object = {}): { inputs: OsMachineInputs; failures: CheckFailure[] } {
  const r = new InputReader(news, "OsMachine");
  const adopt = r.has("adoptInventoryPath");
  const inputs = readFields<OsMachineInputs>(r, OS_MACHINE, adopt ? KEPT_WHEN_ADOPTED : undefined);
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
  if (adopt && r.has("template")) r.fail("template", "set either template (clone) or adoptInventoryPath (adopt), not both");
  if (!adopt) {
    if (!r.has("datastore")) r.fail("datastore", "is required to create or clone a VM: name the datastore for its disk");
    if (!r.has("network") && !r.has("template")) r.fail("network", "is required to create a VM: name the port group of its VMXNet3 NIC");
  }
  // A fixed field may change only with a replacement, the one diff() decides on.
  // The old inputs as check() made them (defaults included), whatever form the caller kept.
  const old: Partial<OsMachineInputs> = Object.keys(olds).length > 0 ? checkOsMachine(olds).inputs : {};
  const replaced = () => diffOsMachine(old, inputs).replaces.length > 0;
  if (typeof old.network === "string" && inputs.network !== undefined && !r.unknown("network") && old.network !== inputs.network && !replaced()) {
    r.fail("network", `the VM's network is set when it is created (it is "${old.network}"): change the port group in vSphere and set network to match`);
  }
  return { inputs, failures: r.failures };
}
