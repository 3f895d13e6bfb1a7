/** Structural comparison of wire values, as the engine's `PropertyMap.Diff` sees them. */
import { isObject, isSecret, JsonValue, PropertyMap, UNKNOWN } from "./wire";

/**
 * Deep equality that looks through secret wrappers (a value that only became secret is not a change
 * to the provider) and treats the unknown sentinel as different from everything, itself included:
 * the engine cannot prove an unknown equal to anything.
 */
export function sameValue(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === UNKNOWN || b === UNKNOWN) return false;
  if (isSecret(a ?? null)) return sameValue((a as { value: JsonValue }).value, b);
  if (isSecret(b ?? null)) return sameValue(a, (b as { value: JsonValue }).value);
  if (a === undefined || b === undefined) return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameValue(x, b[i]));
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!sameValue(a[k], b[k])) return false;
    return true;
  }
  return a === b;
}

/** Top-level keys whose values differ (added, removed or changed), sorted. */
export function changedKeys(olds: PropertyMap, news: PropertyMap): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => !sameValue(olds[k], news[k])).sort();
}
