import { DiffResult, keyDiff } from "../diff";
import { isUnknown } from "../inputs";
import { keysWhere } from "../schema";
import { OS_LAYER } from "./schema";
import type { OsLayerInputs, OsLayerOutputs } from "./types";

export function diffOsLayer(olds: Partial<OsLayerOutputs>, news: OsLayerInputs): DiffResult {
  // Layer names are unique in the ELM: the old layer must go before a new one of that name comes.
  // packaging (an object, outside the field table) applies in place, to the next version.
  // An unknown export path is no replace: the engine asks with it unknown when the export is to be
  // deleted ahead of its machine's delete-before-replace, and a replace would have it delete this
  // layer, every version with it, first. The path itself comes from the export's folder and name,
  // known in a preview; the real value is diffed again when the layer registers.
  const pathUnknown = isUnknown(news.ovfPath);
  const replaceKeys = keysWhere(OS_LAYER, "replace").filter((k) => !(pathUnknown && k === "ovfPath"));
  const updateKeys = [...keysWhere(OS_LAYER, "update"), "packaging", ...(pathUnknown ? ["ovfPath"] : [])];
  return keyDiff(olds, news, replaceKeys, updateKeys, () => isUnknown(news.name) || olds.name === news.name);
}
