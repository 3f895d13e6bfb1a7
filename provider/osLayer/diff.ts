import { DiffResult, keyDiff } from "../diff";
import { isUnknown } from "../inputs";
import { keysWhere } from "../schema";
import { OS_LAYER } from "./schema";
import type { OsLayerInputs, OsLayerOutputs } from "./types";

export function diffOsLayer(olds: Partial<OsLayerOutputs>, news: OsLayerInputs): DiffResult {
  // Layer names are unique in the ELM: the old layer must go before a new one of that name comes.
  // packaging (an object, outside the field table) applies in place, to the next version.
  return keyDiff(olds, news, keysWhere(OS_LAYER, "replace"), [...keysWhere(OS_LAYER, "update"), "packaging"], () => isUnknown(news.name) || olds.name === news.name);
}
