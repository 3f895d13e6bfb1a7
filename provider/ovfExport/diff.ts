import type { DiffResult } from "../diff";
import { schemaDiff } from "../schema";
import { OVF_EXPORT } from "./schema";
import type { OvfExportInputs, OvfExportOutputs } from "./types";

export function diffOvfExport(olds: Partial<OvfExportOutputs>, news: OvfExportInputs): DiffResult {
  // Never delete first: that would first delete the OsLayer built from this export. The new
  // export is published over the old folder atomically, and delete() removes a folder only
  // while it still holds the files it wrote.
  // With a moref, the inventory path is only where the VM is now: moving it is no new content.
  return schemaDiff(OVF_EXPORT, olds, news, { compared: (k) => !(k === "vmInventoryPath" && news.vmMoref !== undefined) });
}
