/**
 * The OvfExport's fields: what check() reads, what diff() replaces or updates, and what the SDK's
 * OvfExportArgs JSDoc says (tests/unit/resources/schemaDocs.test.ts holds the three together).
 */
import type { Schema } from "../schema";
import type { OvfExportInputs } from "./types";

const UNC: [RegExp, string] = [
  /^(\\\\|\/\/)[^\\/]+[\\/][^\\/]+([\\/].*)?$/,
  "must be a UNC path of a folder on the file share, e.g. \\\\fileserver\\layers\\exports",
];
export const UNC_PATTERN = UNC;
const PATH: [RegExp, string] = [/^[^\\]*$/, "is an inventory path: use / between folders, e.g. DC0/vm/Templates/win2022"];
const MOREF: [RegExp, string] = [/^vm-\d+$|^\d+$/, 'must be a VM managed object id such as "vm-42" (an OsMachine\'s moref)'];
const FOLDER_NAME: [RegExp, string] = [/^[^\\/:*?"<>|\x00-\x1f.][^\\/:*?"<>|\x00-\x1f]*$/, 'must be a plain folder name: no \\ / : * ? " < > |, not starting with "."'];

const MACHINE = "The VM to export: an OsMachine";

// New VM content or a new target is a new export; the rest are settings of later operations.
export const OVF_EXPORT: Schema<OvfExportInputs> = {
  vmMoref: { type: "string", summary: MACHINE, change: "replace", pattern: MOREF, from: "machine" },
  vmInventoryPath: { type: "string", summary: "Inventory path of the VM to export", change: "replace", pattern: PATH },
  vmChangeVersion: { type: "string", summary: MACHINE, change: "replace", from: "machine" },
  vmSnapshotId: { type: "string", summary: MACHINE, change: "replace", from: "machine" },
  shareFolder: { type: "string", summary: "Folder on the ELM's file share that holds exports", change: "replace", required: true, pattern: UNC },
  name: { type: "string", summary: "Name of this export's folder and `.ovf`.", change: "replace", required: true, max: 100, pattern: FOLDER_NAME },
  retainFiles: { type: "boolean", summary: "Keep the files on the share when the resource is deleted.", change: "update", default: false },
  exportTimeout: { type: "number", summary: "Minutes the export may take.", change: "update", default: 120, min: 0.01, unit: "minutes" },
};
