/**
 * Encrypts secret values for the state file, like Pulumi's passphrase secrets provider: a key derived
 * from a passphrase and a per-stack salt, AES-256-GCM, ciphertext `v1:<nonce>:<sealed>` in base64.
 * Decryption is only needed to run the next operation; what matters for tests is that no secret is
 * ever written in plaintext.
 */
import * as crypto from "crypto";

export class PassphraseCrypter {
  private readonly key: Buffer;

  constructor(passphrase: string, readonly salt: string) {
    this.key = crypto.scryptSync(passphrase, Buffer.from(salt, "base64"), 32);
  }

  static newSalt(): string {
    return crypto.randomBytes(16).toString("base64");
  }

  encrypt(plaintext: string): string {
    const nonce = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv("aes-256-gcm", this.key, nonce);
    const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `v1:${nonce.toString("base64")}:${sealed.toString("base64")}`;
  }

  decrypt(ciphertext: string): string {
    const [version, nonceB64, sealedB64] = ciphertext.split(":");
    if (version !== "v1" || !nonceB64 || !sealedB64) {
      throw new Error(`state file: unrecognised secret ciphertext "${ciphertext.slice(0, 12)}..."`);
    }
    const sealed = Buffer.from(sealedB64, "base64");
    const decipher = crypto.createDecipheriv("aes-256-gcm", this.key, Buffer.from(nonceB64, "base64"));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString("utf8");
    } catch {
      throw new Error("state file: cannot decrypt a secret (wrong passphrase for this state file?)");
    }
  }
}
