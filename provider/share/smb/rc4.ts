/**
 * RC4 as a continuing keystream: NTLM key exchange and the NTLM sealing handle (one stream per
 * direction for the whole security context) need it, and Node's OpenSSL 3 dropped it.
 */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Buffer) {
    for (let k = 0; k < 256; k++) this.s[k] = k;
    let j = 0;
    for (let k = 0; k < 256; k++) {
      j = (j + this.s[k] + key[k % key.length]) & 0xff;
      const t = this.s[k]; this.s[k] = this.s[j]; this.s[j] = t;
    }
  }

  /** Encrypts (or decrypts) data, continuing the keystream from the previous call. */
  update(data: Buffer): Buffer {
    const out = Buffer.alloc(data.length);
    const s = this.s;
    let { i, j } = this;
    for (let k = 0; k < data.length; k++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]) & 0xff;
      const t = s[i]; s[i] = s[j]; s[j] = t;
      out[k] = data[k] ^ s[(s[i] + s[j]) & 0xff];
    }
    this.i = i; this.j = j;
    return out;
  }
}

/** One-shot RC4. */
export function rc4(key: Buffer, data: Buffer): Buffer {
  return new Rc4(key).update(data);
}
