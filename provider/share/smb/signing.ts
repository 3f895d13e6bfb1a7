/**
 * SMB2/3 message signing (MS-SMB2 3.1.4.1): HMAC-SHA256, AES-128-CMAC, AES-128-GMAC. A message
 * may be given in parts (its header and body first, then a WRITE's or READ's data pieces): each
 * algorithm runs over the parts in one pass, without joining them into one buffer.
 */
import { createCipheriv, createHmac, timingSafeEqual } from "crypto";
import { aesCmacOf } from "./cmac";
import { Command, Flags } from "./constants";

export type SigningAlgorithm = "hmac-sha256" | "aes-cmac" | "aes-gmac";

/**
 * Signature of a whole SMB2 message whose Signature field is zero and SIGNED flag set: msg, then
 * rest (the message's remaining bytes, in order).
 */
export function computeSignature(alg: SigningAlgorithm, key: Buffer, msg: Buffer, rest: readonly Buffer[] = []): Buffer {
  switch (alg) {
    case "hmac-sha256": {
      const h = createHmac("sha256", key).update(msg);
      for (const r of rest) h.update(r);
      return h.digest().subarray(0, 16);
    }
    case "aes-cmac":
      return aesCmacOf(key, [msg, ...rest]);
    case "aes-gmac": {
      // Nonce: MessageId, then a word whose bit 0 marks a response and bit 1 a CANCEL.
      const nonce = Buffer.alloc(12);
      msg.copy(nonce, 0, 24, 32);
      const flags = msg.readUInt32LE(16);
      const cmd = msg.readUInt16LE(12);
      nonce.writeUInt32LE((flags & Flags.SERVER_TO_REDIR ? 1 : 0) | (cmd === Command.CANCEL ? 2 : 0), 8);
      const c = createCipheriv("aes-128-gcm", key, nonce);
      // GCM takes its additional data in several calls as if joined (checked in crypto.test.ts).
      c.setAAD(msg);
      for (const r of rest) c.setAAD(r);
      c.final();
      return c.getAuthTag();
    }
  }
}

/** Signs a message in place: msg holds its header (and maybe more), rest the bytes after msg. */
export function signMessage(alg: SigningAlgorithm, key: Buffer, msg: Buffer, rest: readonly Buffer[] = []): void {
  msg.writeUInt32LE((msg.readUInt32LE(16) | Flags.SIGNED) >>> 0, 16);
  msg.fill(0, 48, 64);
  computeSignature(alg, key, msg, rest).copy(msg, 48);
}

/** Verifies a message's signature (restoring the message as it was); rest as for signMessage. */
export function verifyMessage(alg: SigningAlgorithm, key: Buffer, msg: Buffer, rest: readonly Buffer[] = []): boolean {
  const sig = Buffer.from(msg.subarray(48, 64));
  msg.fill(0, 48, 64);
  try {
    return timingSafeEqual(computeSignature(alg, key, msg, rest), sig);
  } finally {
    sig.copy(msg, 48);
  }
}
