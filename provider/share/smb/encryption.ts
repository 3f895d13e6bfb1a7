/** SMB 3.x encryption: the TRANSFORM_HEADER with AES-CCM or AES-GCM (MS-SMB2 3.1.4.3). */
import { createCipheriv, createDecipheriv, randomBytes } from "crypto";
import { Cipher } from "./constants";
import { SmbProtocolError } from "./errors";
import { joinPieces, TRANSFORM_ID } from "./header";

export const TRANSFORM_HEADER_SIZE = 52;

export function cipherName(cipher: number): "aes-128-ccm" | "aes-128-gcm" | "aes-256-ccm" | "aes-256-gcm" {
  switch (cipher) {
    case Cipher.AES128CCM: return "aes-128-ccm";
    case Cipher.AES128GCM: return "aes-128-gcm";
    case Cipher.AES256CCM: return "aes-256-ccm";
    case Cipher.AES256GCM: return "aes-256-gcm";
    default: throw new SmbProtocolError(`SMB3: unsupported cipher id ${cipher}`);
  }
}

const isCcm = (cipher: number): boolean => cipher === Cipher.AES128CCM || cipher === Cipher.AES256CCM;

/**
 * Nonces must never repeat under one key: a per-session 64-bit counter, followed by random
 * bytes fixed for the session (as Samba does).
 */
export class NonceSource {
  private counter = 0n;
  private readonly salt = randomBytes(8);
  next(cipher: number): Buffer {
    const n = Buffer.alloc(16);
    n.writeBigUInt64LE(this.counter++);
    const len = isCcm(cipher) ? 11 : 12;
    this.salt.copy(n, 8, 0, len - 8);
    return n;
  }
}

/**
 * Wraps a plaintext SMB2 message (or compound) in a transform header and encrypts it: plain,
 * then rest (a WRITE's data pieces). GCM runs over the pieces one by one; CCM takes its input
 * in a single call, so its pieces are joined first.
 */
export function encryptMessage(cipher: number, key: Buffer, sessionId: bigint, nonce: Buffer, plain: Buffer, rest: readonly Buffer[] = []): Buffer {
  const size = rest.reduce((n, r) => n + r.length, plain.length);
  const out = Buffer.allocUnsafe(TRANSFORM_HEADER_SIZE + size);
  out.writeUInt32LE(TRANSFORM_ID, 0);
  nonce.copy(out, 20);
  out.writeUInt32LE(size, 36);
  out.writeUInt16LE(0, 40);
  out.writeUInt16LE(1, 42);
  out.writeBigUInt64LE(sessionId, 44);
  const aad = out.subarray(20, 52);
  const alg = cipherName(cipher);
  let tag: Buffer;
  if (isCcm(cipher)) {
    const whole = rest.length === 0 ? plain : Buffer.concat([plain, ...rest], size);
    const c = createCipheriv(alg as "aes-128-ccm", key, nonce.subarray(0, 11), { authTagLength: 16 });
    c.setAAD(aad, { plaintextLength: size });
    c.update(whole).copy(out, TRANSFORM_HEADER_SIZE);
    c.final();
    tag = c.getAuthTag();
  } else {
    const c = createCipheriv(alg as "aes-128-gcm", key, nonce.subarray(0, 12));
    c.setAAD(aad);
    let at = TRANSFORM_HEADER_SIZE;
    for (const part of [plain, ...rest]) at += c.update(part).copy(out, at);
    c.final().copy(out, at); // GCM: nothing (a stream cipher gives all at update)
    tag = c.getAuthTag();
  }
  tag.copy(out, 4);
  return out;
}

export function transformSessionId(frame: Buffer): bigint {
  if (frame.length < TRANSFORM_HEADER_SIZE) throw new SmbProtocolError("SMB3: truncated transform header");
  return frame.readBigUInt64LE(44);
}

/** Decrypts a transform-wrapped frame; throws if authentication fails. */
export function decryptMessage(cipher: number, key: Buffer, frame: Buffer): Buffer {
  const size = frame.readUInt32LE(36);
  const aad = frame.subarray(20, 52);
  const tag = frame.subarray(4, 20);
  const ct = frame.subarray(TRANSFORM_HEADER_SIZE);
  if (ct.length !== size) throw new SmbProtocolError("SMB3: transform header size does not match its payload");
  const nonce = frame.subarray(20, 36);
  const alg = cipherName(cipher);
  try {
    if (isCcm(cipher)) {
      const d = createDecipheriv(alg as "aes-128-ccm", key, nonce.subarray(0, 11), { authTagLength: 16 });
      d.setAuthTag(tag);
      d.setAAD(aad, { plaintextLength: ct.length });
      const pt = d.update(ct);
      d.final();
      return pt;
    }
    const d = createDecipheriv(alg as "aes-128-gcm", key, nonce.subarray(0, 12));
    d.setAuthTag(tag);
    d.setAAD(aad);
    const pt = d.update(ct);
    d.final();
    return pt;
  } catch {
    throw new SmbProtocolError("SMB3: an encrypted message from the server failed authentication (wrong key or tampering)");
  }
}

/**
 * Decrypts a transform-wrapped frame that arrived in pieces (see FrameReader), into plaintext
 * pieces: GCM deciphers piece by piece, with no join of the ciphertext; CCM (one call only)
 * joins first. Nothing is returned unless the tag verifies.
 */
export function decryptPieces(cipher: number, key: Buffer, pieces: readonly Buffer[]): Buffer[] {
  if (pieces.length === 1 || isCcm(cipher) || pieces[0].length < TRANSFORM_HEADER_SIZE) return [decryptMessage(cipher, key, joinPieces(pieces))];
  const head = pieces[0];
  const size = head.readUInt32LE(36);
  const total = pieces.reduce((n, p) => n + p.length, 0);
  if (total - TRANSFORM_HEADER_SIZE !== size) throw new SmbProtocolError("SMB3: transform header size does not match its payload");
  const d = createDecipheriv(cipherName(cipher) as "aes-128-gcm", key, head.subarray(20, 32));
  d.setAuthTag(head.subarray(4, 20));
  d.setAAD(head.subarray(20, 52));
  const out: Buffer[] = [];
  try {
    const first = head.subarray(TRANSFORM_HEADER_SIZE);
    if (first.length > 0) out.push(d.update(first));
    for (let i = 1; i < pieces.length; i++) out.push(d.update(pieces[i]));
    const tail = d.final();
    if (tail.length > 0) out.push(tail);
  } catch {
    throw new SmbProtocolError("SMB3: an encrypted message from the server failed authentication (wrong key or tampering)");
  }
  return out;
}
