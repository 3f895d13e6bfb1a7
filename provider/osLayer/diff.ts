import { DiffResult, keyDiff } from "../diff";
import { isUnknown } from "../inputs";
import type { OsLayerInputs, OsLayerOutputs } from "./types";

/** The source of the first version: a different one is a different layer (the share only stages operations). */
export const REPLACE_KEYS = ["ovfPath", "vmMoref"] as const;
/** Applied in place: EditLayer, a new version, or settings of later operations. */
export const UPDATE_KEYS = [
  "name",
  "description",
  "icon",
  "vmName",
  "connector",
  "fileShare",
  "version",
  "versionDescription",
  "maxLayerSizeGb",
  "comment",
  "adoptExisting",
  "createTimeout",
  "versionTimeout",
  "deleteTimeout",
  "packaging",
] as const;

export function diffOsLayer(olds: Partial<OsLayerOutputs>, news: OsLayerInputs): DiffResult {
  // Layer names are unique in the ELM: the old layer must go before a new one of that name comes.
  return keyDiff(olds, news, REPLACE_KEYS, UPDATE_KEYS, () => isUnknown(news.name) || olds.name === news.name);
}
