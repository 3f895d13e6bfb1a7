import type { DiffResult } from "../diff";
import { isUnknown } from "../inputs";
import { schemaDiff } from "../schema";
import { OS_LAYER } from "./schema";
import type { OsLayerInputs, OsLayerOutputs } from "./types";

export function diffOsLayer(olds: Partial<OsLayerOutputs>, news: OsLayerInputs): DiffResult {
  // Layer names are unique in the ELM: the old layer must go before a new one of that name comes.
  return schemaDiff(OS_LAYER, olds, news, { deleteFirst: () => isUnknown(news.name) || olds.name === news.name });
}
