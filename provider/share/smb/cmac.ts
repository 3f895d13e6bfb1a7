/**
 * AES-CMAC (RFC 4493), the SMB 3.0/3.0.2 signing algorithm and the 3.1.1 default. Node has no
 * CMAC API, so it is built on AES-128-CBC with a zero IV (the CBC-MAC of all but the last block).
 */
import { createCipheriv } from "crypto";

const ZERO = Buffer.alloc(16);

function shiftLeft(b: Buffer): Buffer {
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) out[i] = ((b[i] << 1) | (i < 15 ? b[i + 1] >> 7 : 0)) & 0xff;
  return out;
}

function subkeys(key: Buffer): [Buffer, Buffer] {
  const c = createCipheriv("aes-128-ecb", key, null);
  c.setAutoPadding(false);
  const l = c.update(ZERO);
  const k1 = shiftLeft(l);
  if (l[0] & 0x80) k1[15] ^= 0x87;
  const k2 = shiftLeft(k1);
  if (k1[0] & 0x80) k2[15] ^= 0x87;
  return [k1, k2];
}

/** AES-128-CMAC of the concatenation of parts. */
export function aesCmac(key: Buffer, ...parts: Buffer[]): Buffer {
  const [k1, k2] = subkeys(key);
  const msg = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  const nBlocks = Math.max(1, Math.ceil(msg.length / 16));
  const complete = msg.length > 0 && msg.length % 16 === 0;
  const lastStart = (nBlocks - 1) * 16;
  let state = ZERO;
  if (lastStart > 0) {
    const cbc = createCipheriv("aes-128-cbc", key, ZERO);
    cbc.setAutoPadding(false);
    const out = cbc.update(msg.subarray(0, lastStart));
    state = out.subarray(out.length - 16);
  }
  const last = Buffer.alloc(16);
  const tail = msg.subarray(lastStart);
  tail.copy(last);
  if (complete) {
    for (let i = 0; i < 16; i++) last[i] ^= k1[i];
  } else {
    last[tail.length] = 0x80;
    for (let i = 0; i < 16; i++) last[i] ^= k2[i];
  }
  for (let i = 0; i < 16; i++) last[i] ^= state[i];
  const e = createCipheriv("aes-128-ecb", key, null);
  e.setAutoPadding(false);
  return e.update(last);
}
