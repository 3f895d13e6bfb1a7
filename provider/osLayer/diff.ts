import { changedKeys } from "../inputs";
import type { OsLayerInputs, OsLayerOutputs } from "./types";

/** The source of the first version and the share it lives on: a different one is a different layer. */
export const REPLACE_KEYS = ["ovfPath", "vmMoref", "fileShare"] as const;
/** Applied in place: EditLayer, a new version, or settings of later operations. */
export const UPDATE_KEYS = [
  "name",
  "description",
  "icon",
  "vmName",
  "connector",
  "version",
  "versionDescription",
  "maxLayerSizeGb",
  "comment",
  "adoptExisting",
  "createTimeout",
  "versionTimeout",
  "deleteTimeout",
] as const;

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

export function diffOsLayer(olds: Partial<OsLayerOutputs>, news: OsLayerInputs): DiffResult {
  const o = olds as Record<string, unknown>;
  const n = news as unknown as Record<string, unknown>;
  const replaces = changedKeys(o, n, REPLACE_KEYS);
  const updates = changedKeys(o, n, UPDATE_KEYS);
  return {
    changes: replaces.length + updates.length > 0,
    replaces,
    // Layer names are unique in the ELM: the old layer must go before a new one of that name comes.
    deleteBeforeReplace: replaces.length > 0 && olds.name === news.name,
  };
}
