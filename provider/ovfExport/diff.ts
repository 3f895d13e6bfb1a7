import { DiffResult, keyDiff } from "../diff";
import type { OvfExportInputs, OvfExportOutputs } from "./types";

/** New VM content or a new target is a new export. */
export const REPLACE_KEYS = ["vmMoref", "vmInventoryPath", "vmChangeVersion", "vmSnapshotId", "shareFolder", "name"] as const;
export const UPDATE_KEYS = ["retainFiles", "exportTimeout"] as const;

export function diffOvfExport(olds: Partial<OvfExportOutputs>, news: OvfExportInputs): DiffResult {
  // Never delete first: that would first delete the OsLayer built from this export. The new
  // export is published over the old folder atomically, and delete() removes a folder only
  // while it still holds the files it wrote.
  // With a moref, the inventory path is only where the VM is now: moving it is no new content.
  const replaceKeys = news.vmMoref !== undefined ? REPLACE_KEYS.filter((k) => k !== "vmInventoryPath") : REPLACE_KEYS;
  return keyDiff(olds, news, replaceKeys, UPDATE_KEYS);
}
