/**
 * Secret handling as the engine does it for a provider that answers `acceptSecrets=false` (the
 * dynamic host always does): strip every wrapper before a call, then copy the "secret bit" back onto
 * results by property name (`annotateSecrets` in the Go engine's provider_plugin.go).
 */
import { isObject, isSecret, makeSecret, JsonValue, PropertyMap, UNKNOWN } from "./wire";

/** The value with every secret wrapper replaced by its plaintext (what goes on the wire). */
export function stripSecrets(v: JsonValue): JsonValue {
  if (isSecret(v)) return stripSecrets(v.value);
  if (Array.isArray(v)) return v.map(stripSecrets);
  if (isObject(v)) {
    const out: PropertyMap = {};
    for (const [k, x] of Object.entries(v)) out[k] = stripSecrets(x);
    return out;
  }
  return v;
}

export function stripSecretsMap(m: PropertyMap): PropertyMap {
  return stripSecrets(m) as PropertyMap;
}

export function containsSecrets(v: JsonValue): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecrets);
  if (isObject(v)) return Object.values(v).some(containsSecrets);
  return false;
}

export function containsUnknowns(v: JsonValue): boolean {
  if (v === UNKNOWN) return true;
  if (isSecret(v)) return containsUnknowns(v.value);
  if (Array.isArray(v)) return v.some(containsUnknowns);
  if (isObject(v)) return Object.values(v).some(containsUnknowns);
  return false;
}

/**
 * Copies secretness from `ins` onto `outs` (a new map is returned). Same rule as the engine: where
 * both sides are plain objects it recurses; otherwise an output whose same-named input contains a
 * secret anywhere becomes wholly secret (so an array with one secret element is secret as a whole).
 */
export function annotateSecrets(outs: PropertyMap, ins: PropertyMap): PropertyMap {
  const result: PropertyMap = { ...outs };
  for (const [key, inValue] of Object.entries(ins)) {
    if (!(key in result)) continue;
    const outValue = result[key];
    if (isObject(outValue) && !isSecret(outValue) && isObject(inValue) && !isSecret(inValue)) {
      result[key] = annotateSecrets(outValue, inValue);
    } else if (!isSecret(outValue) && containsSecrets(inValue)) {
      result[key] = makeSecret(outValue);
    }
  }
  return result;
}

/** `additionalSecretOutputs`: the named top-level outputs become secrets. */
export function markSecretOutputs(outs: PropertyMap, keys: readonly string[] | undefined): PropertyMap {
  if (!keys || keys.length === 0) return outs;
  const result: PropertyMap = { ...outs };
  for (const k of keys) if (k in result) result[k] = makeSecret(result[k]);
  return result;
}
