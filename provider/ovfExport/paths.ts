/**
 * Where an export's files land, derived from the inputs alone: the SDK computes the same value at
 * preview time, so an OsLayer fed by an OvfExport that is being replaced still sees a known path.
 */
import { joinPath, parseUnc } from "../share/paths";

export interface ExportPaths {
  /** `.ovf` path relative to the share's root: what the ELM's ImportOs takes. */
  ovfSharePath: string;
  /** `\\host\share\folder\name\name.ovf` */
  ovfUncPath: string;
  manifestSharePath: string;
}

export function exportPaths(shareFolder: string, name: string): ExportPaths {
  const base = parseUnc(shareFolder).path;
  const unc = shareFolder.replace(/[\\/]+$/, "").replace(/\//g, "\\");
  return {
    ovfSharePath: joinPath(base, name, `${name}.ovf`),
    ovfUncPath: `${unc}\\${name}\\${name}.ovf`,
    manifestSharePath: joinPath(base, name, `${name}.mf`),
  };
}
