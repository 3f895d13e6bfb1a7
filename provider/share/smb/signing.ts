/** SMB2/3 message signing (MS-SMB2 3.1.4.1): HMAC-SHA256, AES-128-CMAC, AES-128-GMAC. */
import { createCipheriv, createHmac, timingSafeEqual } from "crypto";
import { aesCmac } from "./cmac";
import { Command, Flags } from "./constants";

export type SigningAlgorithm = "hmac-sha256" | "aes-cmac" | "aes-gmac";

/** Signature of msg (a whole SMB2 message whose Signature field is zero and SIGNED flag set). */
export function computeSignature(alg: SigningAlgorithm, key: Buffer, msg: Buffer): Buffer {
  switch (alg) {
    case "hmac-sha256":
      return createHmac("sha256", key).update(msg).digest().subarray(0, 16);
    case "aes-cmac":
      return aesCmac(key, msg);
    case "aes-gmac": {
      // Nonce: MessageId, then a word whose bit 0 marks a response and bit 1 a CANCEL.
      const nonce = Buffer.alloc(12);
      msg.copy(nonce, 0, 24, 32);
      const flags = msg.readUInt32LE(16);
      const cmd = msg.readUInt16LE(12);
      nonce.writeUInt32LE((flags & Flags.SERVER_TO_REDIR ? 1 : 0) | (cmd === Command.CANCEL ? 2 : 0), 8);
      const c = createCipheriv("aes-128-gcm", key, nonce);
      c.setAAD(msg);
      c.final();
      return c.getAuthTag();
    }
  }
}

/** Signs msg in place. */
export function signMessage(alg: SigningAlgorithm, key: Buffer, msg: Buffer): void {
  msg.writeUInt32LE((msg.readUInt32LE(16) | Flags.SIGNED) >>> 0, 16);
  msg.fill(0, 48, 64);
  computeSignature(alg, key, msg).copy(msg, 48);
}

/** Verifies msg's signature (restoring the message as it was). */
export function verifyMessage(alg: SigningAlgorithm, key: Buffer, msg: Buffer): boolean {
  const sig = Buffer.from(msg.subarray(48, 64));
  msg.fill(0, 48, 64);
  try {
    return timingSafeEqual(computeSignature(alg, key, msg), sig);
  } finally {
    sig.copy(msg, 48);
  }
}
