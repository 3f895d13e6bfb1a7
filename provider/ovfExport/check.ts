import { CheckFailure, InputReader } from "../inputs";
import { parseUnc } from "../share/paths";
import type { OvfExportInputs } from "./types";

const UNC: [RegExp, string] = [
  /^(\\\\|\/\/)[^\\/]+[\\/][^\\/]+([\\/].*)?$/,
  "must be a UNC path of a folder on the file share, e.g. \\\\fileserver\\layers\\exports",
];
const PATH: [RegExp, string] = [/^[^\\]*$/, "is an inventory path: use / between folders, e.g. DC0/vm/Templates/win2022"];
const MOREF: [RegExp, string] = [/^vm-\d+$|^\d+$/, 'must be a VM managed object id such as "vm-42" (an OsMachine\'s moref)'];
const FOLDER_NAME: [RegExp, string] = [/^[^\\/:*?"<>|\x00-\x1f.][^\\/:*?"<>|\x00-\x1f]*$/, 'must be a plain folder name: no \\ / : * ? " < > |, not starting with "."'];

export function checkOvfExport(news: Record<string, unknown>): { inputs: OvfExportInputs; failures: CheckFailure[] } {
  const r = new InputReader(news, "OvfExport");
  const inputs: OvfExportInputs = {
    vmMoref: r.string("vmMoref", { pattern: MOREF }),
    vmInventoryPath: r.string("vmInventoryPath", { pattern: PATH }),
    vmChangeVersion: r.string("vmChangeVersion"),
    vmSnapshotId: r.string("vmSnapshotId"),
    shareFolder: r.string("shareFolder", { required: true, pattern: UNC })!,
    name: r.string("name", { required: true, max: 100, pattern: FOLDER_NAME })!,
    retainFiles: r.boolean("retainFiles", false),
    exportTimeout: r.number("exportTimeout", { default: 120, min: 0.01, unit: "minutes" })!,
  };
  if (inputs.shareFolder && !r.unknown("shareFolder") && UNC[0].test(inputs.shareFolder)) {
    // The shape is right; what the share client would refuse later (a bad port, "..") is refused here.
    try {
      parseUnc(inputs.shareFolder);
    } catch (err) {
      r.fail("shareFolder", `${(err as Error).message}; give e.g. \\\\fileserver\\layers\\exports`);
    }
  }
  if (!r.has("vmMoref") && !r.has("vmInventoryPath")) {
    r.fail("vmMoref", "name the VM to export: pass an OsMachine (its moref) or set vmInventoryPath");
  }
  for (const k of Object.keys(inputs) as Array<keyof OvfExportInputs>) if (inputs[k] === undefined) delete inputs[k];
  return { inputs, failures: r.failures };
}
