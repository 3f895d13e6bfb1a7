/**
 * Values as they travel between the engine and a provider: JSON, with Pulumi's "signature" objects
 * for secrets (and, never produced here, assets, archives, resource references and output values),
 * and the unknown sentinel string during preview. The harness keeps every property in this wire form
 * in memory, so what it stores and what it sends are the same shapes the engine uses.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type PropertyMap = { [key: string]: JsonValue };

/** The key that marks a signature object (`sig.Key` in the Go SDK, `specialSigKey` in Node). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
export const RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

/** A value not known until apply; the engine sends this string in its place during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** `__provider`: the serialized provider text that the dynamic host runs. */
export const PROVIDER_KEY = "__provider";

/** A secret in plaintext wire form: what the engine sends to providers that accept secrets. */
export interface SecretValue {
  [SIG_KEY]: typeof SECRET_SIG;
  value: JsonValue;
}

/** A secret at rest in a state file: the plaintext is JSON, encrypted (see crypter.ts). */
export interface EncryptedSecret {
  [SIG_KEY]: typeof SECRET_SIG;
  ciphertext: string;
}

export function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function isSecret(v: JsonValue | undefined): v is { [key: string]: JsonValue } & SecretValue {
  return isObject(v) && v[SIG_KEY] === SECRET_SIG && "value" in v;
}

export function isEncryptedSecret(v: JsonValue | undefined): v is { [key: string]: JsonValue } & EncryptedSecret {
  return isObject(v) && v[SIG_KEY] === SECRET_SIG && typeof v.ciphertext === "string" && !("value" in v);
}

export function makeSecret(value: JsonValue): JsonValue {
  // A secret of a secret is still one secret (the engine never nests them).
  if (isSecret(value)) return value;
  return { [SIG_KEY]: SECRET_SIG, value };
}

export function isUnknown(v: JsonValue | undefined): boolean {
  return v === UNKNOWN;
}
