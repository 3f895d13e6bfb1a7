/**
 * Messages in pieces: signing, encryption and READ data over a message's pieces give exactly
 * what they give over the joined message, wherever the cuts fall (odd sizes, 1-byte pieces,
 * cuts inside a CMAC block or the header).
 */
import { randomBytes } from "crypto";
import { aesCmac } from "../../../provider/share/smb/cmac";
import { Cipher } from "../../../provider/share/smb/constants";
import { decryptMessage, decryptPieces, encryptMessage, NonceSource } from "../../../provider/share/smb/encryption";
import { FrameReader, HEADER_SIZE, joinPieces, slicePieces, writeHeader } from "../../../provider/share/smb/header";
import { parseReadPieces } from "../../../provider/share/smb/messages";
import { computeSignature, signMessage, SigningAlgorithm, verifyMessage } from "../../../provider/share/smb/signing";

/** Cuts b into pieces at the given sizes, cycling. */
function cut(b: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let p = 0, i = 0; p < b.length; i++) {
    const n = Math.min(sizes[i % sizes.length], b.length - p);
    out.push(b.subarray(p, p + n));
    p += n;
  }
  return out;
}

function message(bodyLen: number): Buffer {
  const m = Buffer.alloc(HEADER_SIZE + bodyLen);
  writeHeader(m, 0, { command: 9, status: 0, creditCharge: 1, credits: 1, flags: 0, nextCommand: 0, messageId: 77n, asyncId: 0n, treeId: 5, sessionId: 9n });
  randomBytes(bodyLen).copy(m, HEADER_SIZE);
  return m;
}

const CUTS = [[1], [15, 17], [16], [7, 1000, 3], [65536], [100_003, 5]];
const SIZES = [0, 1, 15, 16, 17, 48, 1000, 65536 - 64, 1 << 20, (1 << 20) + 13];

describe("signing over pieces", () => {
  for (const alg of ["hmac-sha256", "aes-cmac", "aes-gmac"] as SigningAlgorithm[]) {
    test(`${alg}: the signature over header + pieces is the signature of the joined message`, () => {
      const key = randomBytes(16);
      for (const size of SIZES) {
        for (const sizes of CUTS) {
          if (sizes[0] === 1 && size > 70_000) continue; // a million 1-byte pieces: slow, and nothing new
          const whole = message(48 + size);
          const head = Buffer.from(whole.subarray(0, HEADER_SIZE + 48));
          const data = whole.subarray(HEADER_SIZE + 48);
          signMessage(alg, key, whole);
          signMessage(alg, key, head, cut(data, sizes));
          expect(head.subarray(48, 64).toString("hex")).toBe(whole.subarray(48, 64).toString("hex"));
          expect(verifyMessage(alg, key, head, cut(data, sizes))).toBe(true);
          if (data.length > 0) {
            const bad = Buffer.from(data);
            bad[bad.length - 1] ^= 1;
            expect(verifyMessage(alg, key, head, cut(bad, sizes))).toBe(false);
          }
        }
      }
    });
  }
  test("AES-CMAC in parts equals AES-CMAC of the whole for every length and cut around the block size", () => {
    const key = randomBytes(16);
    for (let len = 0; len <= 70; len++) {
      const m = randomBytes(len);
      const whole = aesCmac(key, m).toString("hex");
      for (let at = 0; at <= len; at++) expect(aesCmac(key, m.subarray(0, at), m.subarray(at)).toString("hex")).toBe(whole);
    }
    const big = randomBytes(300_001);
    expect(aesCmac(key, ...cut(big, [1, 65537, 31])).equals(aesCmac(key, big))).toBe(true);
    expect(computeSignature("aes-cmac", key, big.subarray(0, 64), cut(big.subarray(64), [17])).equals(aesCmac(key, big))).toBe(true);
  });
});

describe("encryption over pieces", () => {
  for (const cipher of [Cipher.AES128GCM, Cipher.AES128CCM, Cipher.AES256GCM, Cipher.AES256CCM]) {
    test(`cipher ${cipher}: encrypting header + pieces gives the joined message's frame; pieces decrypt to it`, () => {
      const key = randomBytes(cipher === Cipher.AES256GCM || cipher === Cipher.AES256CCM ? 32 : 16);
      for (const size of [0, 1, 17, 70_000, (1 << 20) + 3]) {
        const whole = message(48 + size);
        const nonce = new NonceSource().next(cipher);
        const joined = encryptMessage(cipher, key, 9n, nonce, whole);
        const pieced = encryptMessage(cipher, key, 9n, nonce, whole.subarray(0, 100 > whole.length ? whole.length : 100), cut(whole.subarray(Math.min(100, whole.length)), [7, 4096, 1]));
        expect(pieced.equals(joined)).toBe(true);
        for (const sizes of [[1], [52], [53, 3], [65536], [10, 70_000]]) {
          expect(joinPieces(decryptPieces(cipher, key, cut(joined, sizes))).equals(whole)).toBe(true);
        }
        expect(decryptMessage(cipher, key, joined).equals(whole)).toBe(true);
        const bad = Buffer.from(joined);
        bad[bad.length - 1] ^= 1;
        expect(() => decryptPieces(cipher, key, cut(bad, [4000]))).toThrow(/failed authentication/);
      }
    });
  }
});

describe("frames and READ data in pieces", () => {
  test("the frame reader hands out views of the socket's chunks, the pieces joining to the frame", () => {
    const frames = [randomBytes(100), randomBytes(300_000), randomBytes(3)];
    const wire = Buffer.concat(frames.flatMap((f) => {
      const h = Buffer.alloc(4);
      h.writeUInt32BE(f.length);
      return [h, f];
    }));
    for (const sizes of [[1], [65536], [4, 99], [100_000, 7]]) {
      const r = new FrameReader();
      const got = cut(wire, sizes).flatMap((c) => r.push(c));
      expect(got.map((f) => (Array.isArray(f) ? joinPieces(f) : f).toString("hex"))).toEqual(frames.map((f) => f.toString("hex")));
    }
  });
  test("a READ reply's data, sliced out of pieces, is the bytes at its data offset; outside the message it is refused", () => {
    const data = randomBytes(200_001);
    const msg = Buffer.concat([message(16), data]);
    msg[HEADER_SIZE + 2] = HEADER_SIZE + 16;
    msg.writeUInt32LE(data.length, HEADER_SIZE + 4);
    const pieces = cut(msg, [90, 7, 65536]);
    const out = parseReadPieces(pieces[0].subarray(HEADER_SIZE), pieces[0], pieces.slice(1));
    expect(Buffer.concat(out).equals(data)).toBe(true);
    msg.writeUInt32LE(data.length + 1, HEADER_SIZE + 4);
    const p2 = cut(msg, [90, 65536]);
    expect(() => parseReadPieces(p2[0].subarray(HEADER_SIZE), p2[0], p2.slice(1))).toThrow(/outside the 200081-byte message/);
    expect(() => slicePieces([Buffer.alloc(3)], 1, 5)).toThrow(/no bytes 1 to 5/);
  });
});
