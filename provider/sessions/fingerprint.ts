/**
 * A session key that never holds a secret in clear: the secret parts go through HMAC-SHA-256
 * under a key made fresh for this process, so even a dump of the pool's map cannot be brute-forced
 * offline against a known hash of a password.
 */
import { createHmac, randomBytes } from "node:crypto";

const processKey = randomBytes(32);

/** Hex HMAC-SHA-256 of the parts (JSON-encoded, so `["a","bc"]` and `["ab","c"]` differ). */
export function fingerprint(parts: ReadonlyArray<string | boolean | number | undefined>): string {
  return createHmac("sha256", processKey).update(JSON.stringify(parts)).digest("hex");
}

/** The pool key of a peer's session: who, where, and a fingerprint of how (credentials, TLS). */
export function sessionKey(peer: string, address: string, secretParts: ReadonlyArray<string | boolean | number | undefined>): string {
  return `${peer}|${address}|${fingerprint(secretParts)}`;
}
