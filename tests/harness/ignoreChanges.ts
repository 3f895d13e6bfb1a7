/**
 * `ignoreChanges`, applied by the engine to the new inputs before Check: each ignored path takes its
 * old input value (or is removed if the old inputs had none). Paths are top-level keys or dotted
 * paths into objects (`tags.owner`); `*` and array indexes are not supported here.
 */
import { isObject, JsonValue, PropertyMap } from "./wire";

function clone(m: PropertyMap): PropertyMap {
  return JSON.parse(JSON.stringify(m)) as PropertyMap;
}

export function applyIgnoreChanges(news: PropertyMap, oldInputs: PropertyMap, paths: readonly string[] | undefined): PropertyMap {
  if (!paths || paths.length === 0) return news;
  const result = clone(news);
  for (const path of paths) {
    const parts = path.split(".");
    let oldV: JsonValue | undefined = oldInputs;
    for (const p of parts) oldV = isObject(oldV ?? null) ? (oldV as PropertyMap)[p] : undefined;
    let target: PropertyMap | undefined = result;
    for (const p of parts.slice(0, -1)) {
      if (!isObject(target[p] ?? null)) {
        // Nothing old to restore and no new value there: nothing to ignore.
        if (oldV === undefined) {
          target = undefined;
          break;
        }
        target[p] = {};
      }
      target = target[p] as PropertyMap;
    }
    if (!target) continue;
    const last = parts[parts.length - 1];
    if (oldV === undefined) delete target[last];
    else target[last] = oldV;
  }
  return result;
}
