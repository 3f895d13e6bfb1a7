/** SP800-108 counter-mode KDF with HMAC-SHA256, one iteration: how SMB 3.x derives its keys. */
import { createHmac } from "crypto";

export function smb3Kdf(ki: Buffer, label: Buffer, context: Buffer, bits: 128 | 256): Buffer {
  const l = Buffer.alloc(4);
  l.writeUInt32BE(bits);
  return createHmac("sha256", ki)
    .update(Buffer.from([0, 0, 0, 1]))
    .update(label)
    .update(Buffer.from([0]))
    .update(context)
    .update(l)
    .digest()
    .subarray(0, bits / 8);
}

/** A label or context string as the KDF wants it: ASCII including its terminating NUL. */
export function cstr(s: string): Buffer {
  return Buffer.from(s + "\0", "latin1");
}
