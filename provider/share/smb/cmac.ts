/**
 * AES-CMAC (RFC 4493), the SMB 3.0/3.0.2 signing algorithm and the 3.1.1 default. Node has no
 * CMAC API, so it is built on AES-128-CBC with a zero IV (the CBC-MAC of all but the last block).
 * The message may come in parts (a WRITE's header and its data pieces): they are fed to CBC in
 * bounded slices, never joined, so signing a 1 MiB WRITE costs one pass and no 1 MiB copy.
 */
import { createCipheriv } from "crypto";

const ZERO = Buffer.alloc(16);
/** CBC output is thrown away but for its last block: slices this big keep it in the cache. */
const SLICE = 64 * 1024;

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
  return aesCmacOf(key, parts);
}

/** AES-128-CMAC of the concatenation of parts (any number of them). */
export function aesCmacOf(key: Buffer, parts: readonly Buffer[]): Buffer {
  const [k1, k2] = subkeys(key);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const nBlocks = Math.max(1, Math.ceil(total / 16));
  const complete = total > 0 && total % 16 === 0;
  const lastStart = (nBlocks - 1) * 16;
  let state = ZERO;
  const last = Buffer.alloc(16);
  let lastLen = 0;
  if (lastStart > 0) {
    const cbc = createCipheriv("aes-128-cbc", key, ZERO);
    cbc.setAutoPadding(false);
    // Blocks straddling parts are carried over in `carry` (fewer than 16 bytes).
    const carry = Buffer.alloc(16);
    let carried = 0;
    let fed = 0;
    const feed = (b: Buffer): void => {
      const out = cbc.update(b);
      if (out.length >= 16) state = out.subarray(out.length - 16);
    };
    for (const part of parts) {
      let p = 0;
      while (p < part.length) {
        if (fed + carried >= lastStart) {
          // The rest belongs to the last block.
          const n = part.length - p;
          part.copy(last, lastLen, p, p + n);
          lastLen += n;
          break;
        }
        const room = lastStart - fed - carried;
        if (carried > 0 || part.length - p < 16) {
          const n = Math.min(16 - carried, part.length - p, room);
          part.copy(carry, carried, p, p + n);
          carried += n;
          p += n;
          if (carried === 16) {
            feed(carry);
            fed += 16;
            carried = 0;
          }
          continue;
        }
        const n = Math.min(SLICE, room, (part.length - p) & ~15);
        feed(part.subarray(p, p + n));
        fed += n;
        p += n;
      }
    }
  } else {
    for (const part of parts) {
      part.copy(last, lastLen);
      lastLen += part.length;
    }
  }
  if (complete) {
    for (let i = 0; i < 16; i++) last[i] ^= k1[i];
  } else {
    last[lastLen] = 0x80;
    for (let i = 0; i < 16; i++) last[i] ^= k2[i];
  }
  for (let i = 0; i < 16; i++) last[i] ^= state[i];
  const e = createCipheriv("aes-128-ecb", key, null);
  e.setAutoPadding(false);
  return e.update(last);
}
