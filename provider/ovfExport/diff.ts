import { changedKeys } from "../inputs";
import type { DiffResult } from "../osLayer/diff";
import type { OvfExportInputs, OvfExportOutputs } from "./types";

/** New VM content or a new target is a new export. */
export const REPLACE_KEYS = ["vmMoref", "vmInventoryPath", "vmChangeVersion", "vmSnapshotId", "shareFolder", "name"] as const;
export const UPDATE_KEYS = ["retainFiles", "exportTimeout"] as const;

export function diffOvfExport(olds: Partial<OvfExportOutputs>, news: OvfExportInputs): DiffResult {
  const o = olds as Record<string, unknown>;
  const n = news as unknown as Record<string, unknown>;
  const replaces = changedKeys(o, n, REPLACE_KEYS);
  const updates = changedKeys(o, n, UPDATE_KEYS);
  return {
    changes: replaces.length + updates.length > 0,
    replaces,
    // Never delete first: that would first delete the OsLayer built from this export. The new
    // export is published over the old folder atomically, and delete() removes a folder only
    // while it still holds the files it wrote.
    deleteBeforeReplace: false,
  };
}
