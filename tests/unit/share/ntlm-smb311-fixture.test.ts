import * as fs from "fs";
import { hmacMd5, ntowfv2, ntlmv2Temp, parseChallenge, NtlmSecurity, negotiateMessage, authenticateMessage } from "../../../provider/share/smb/ntlm";
import { md4 } from "../../../provider/share/smb/md4";
import { rc4 } from "../../../provider/share/smb/rc4";
import { parseNegTokenResp, MECH_TYPES, negTokenInit } from "../../../provider/share/smb/spnego";
import { parseNegotiateResponse, sha512 } from "../../../provider/share/smb/negotiate";
import { deriveKeys } from "../../../provider/share/smb/session";
import { verifyMessage, signMessage } from "../../../provider/share/smb/signing";
import { decryptMessage, encryptMessage, NonceSource } from "../../../provider/share/smb/encryption";
import { readHeader } from "../../../provider/share/smb/header";

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");
const hex = (b: Buffer): string => b.toString("hex");

describe("NTLMv2 (MS-NLMP 4.2.4 vectors)", () => {
  const respKey = ntowfv2("Password", "User", "Domain");
  const serverChallenge = h("0123456789abcdef");
  const clientChallenge = h("aaaaaaaaaaaaaaaa");
  const avPairs = h("02000c0044006f006d00610069006e0001000c005300650072007600650072000000 0000");
  test("NTOWFv1 and NTOWFv2", () => {
    expect(hex(md4(Buffer.from("Password", "utf16le")))).toBe("a4f49c406510bdcab6824ee7c30fd852");
    expect(hex(respKey)).toBe("0c868a403bfd7a93a3001ef22ef02e3f");
  });
  test("LMv2, temp, NTProofStr, session base key, key exchange", () => {
    expect(hex(Buffer.concat([hmacMd5(respKey, serverChallenge, clientChallenge), clientChallenge]))).toBe(
      "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa",
    );
    const temp = ntlmv2Temp(Buffer.alloc(8), clientChallenge, avPairs);
    expect(hex(temp)).toBe(
      "0101000000000000" + "0000000000000000" + "aaaaaaaaaaaaaaaa" + "00000000" +
        "02000c0044006f006d00610069006e00" + "01000c00530065007200760065007200" + "00000000" + "00000000",
    );
    const proof = hmacMd5(respKey, serverChallenge, temp);
    expect(hex(proof)).toBe("68cd0ab851e51c96aabc927bebef6a1c");
    const base = hmacMd5(respKey, proof);
    expect(hex(base)).toBe("8de40ccadbc14a82f15cb0ad0de95ca3");
    expect(hex(rc4(base, h("55555555555555555555555555555555")))).toBe("c5dad2544fc9799094ce1ce90bc9d03e");
  });
  test("our AUTHENTICATE reproduces the NT proof for fixed inputs and carries a valid MIC", () => {
    const neg = negotiateMessage();
    const chal = Buffer.alloc(56 + avPairs.length);
    chal.write("NTLMSSP\0", 0, "latin1");
    chal.writeUInt32LE(2, 8);
    chal.writeUInt32LE(0xe28a8233, 20);
    serverChallenge.copy(chal, 24);
    chal.writeUInt16LE(avPairs.length, 40);
    chal.writeUInt16LE(avPairs.length, 42);
    chal.writeUInt32LE(56, 44);
    avPairs.copy(chal, 56);
    const challenge = parseChallenge(chal);
    expect(challenge.targetInfo.map((p) => p.id)).toEqual([2, 1]);
    const esk = h("55555555555555555555555555555555");
    const r = authenticateMessage({ user: "User", domain: "Domain", password: "Password", server: "Server", negotiate: neg, challenge, clientChallenge, exportedSessionKey: esk, timestamp: Buffer.alloc(8) });
    const m = r.message;
    const ntLen = m.readUInt16LE(20);
    const ntOff = m.readUInt32LE(24);
    const nt = m.subarray(ntOff, ntOff + ntLen);
    expect(hmacMd5(respKey, serverChallenge, nt.subarray(16)).equals(nt.subarray(0, 16))).toBe(true);
    const encOff = m.readUInt32LE(56);
    const base = hmacMd5(respKey, nt.subarray(0, 16));
    expect(rc4(base, m.subarray(encOff, encOff + 16)).equals(esk)).toBe(true);
    // No MsvAvTimestamp in this challenge: LMv2 is computed and no MIC is sent.
    expect(m.subarray(72, 88).equals(Buffer.alloc(16))).toBe(true);
    expect(r.exportedSessionKey.equals(esk)).toBe(true);
  });
});

describe("SMB 3.1.1 exchange captured from Samba (fixture)", () => {
  const fx = JSON.parse(fs.readFileSync("/work/shared/fixtures/smb2-exchange-311.json", "utf8")) as {
    user: string; password: string; domain: string;
    messages: Array<{ dir: string; smb2: string }>;
    expected: Record<string, string | boolean>;
  };
  const msgs = fx.messages.map((m) => h(m.smb2));
  const secBuf = (raw: Buffer, offField: number): Buffer => {
    const off = raw.readUInt16LE(64 + offField);
    const len = raw.readUInt16LE(64 + offField + 2);
    return raw.subarray(off, off + len);
  };
  // SESSION_SETUP request: offset at body+12; response: body+4.
  const ntlmNeg = (() => {
    const tok = secBuf(msgs[2], 12);
    const i = tok.indexOf(Buffer.from("NTLMSSP\0", "latin1"));
    return tok.subarray(i);
  })();
  const chalTok = parseNegTokenResp(secBuf(msgs[3], 4));
  const challenge = parseChallenge(chalTok.responseToken as Buffer);
  const authTok = parseNegTokenResp(secBuf(msgs[4], 12));
  const auth = authTok.responseToken as Buffer;
  const field = (i: number): Buffer => auth.subarray(auth.readUInt32LE(12 + i * 8 + 4), auth.readUInt32LE(12 + i * 8 + 4) + auth.readUInt16LE(12 + i * 8));

  const respKey = ntowfv2(fx.password, fx.user, fx.domain);
  const nt = field(1);
  const base = hmacMd5(respKey, nt.subarray(0, 16));
  const esk = rc4(base, field(5));
  const neg = parseNegotiateResponse(msgs[1].subarray(64), msgs[1]);
  let preauth = sha512(Buffer.alloc(64), msgs[0]);
  for (const m of msgs.slice(1, 5)) preauth = sha512(preauth, m);
  const keys = deriveKeys(0x311, esk, neg.cipher, preauth);

  test("negotiate response parses: 3.1.1, AES-128-GCM, AES-CMAC", () => {
    expect(neg.dialect).toBe(0x311);
    expect(neg.cipher).toBe(2);
    expect(neg.signingAlgorithm).toBe(1);
    expect(neg.maxWriteSize).toBe(8388608);
  });
  test("our SPNEGO init token matches the shape Samba accepted", () => {
    expect(hex(negTokenInit(ntlmNeg))).toBe(hex(secBuf(msgs[2], 12)));
  });
  test("NTProofStr verifies with the password and the session key matches", () => {
    expect(hmacMd5(respKey, challenge.serverChallenge, nt.subarray(16)).equals(nt.subarray(0, 16))).toBe(true);
    expect(hex(esk)).toBe(fx.expected.exportedSessionKey);
  });
  test("the MIC covers NEGOTIATE | CHALLENGE | AUTHENTICATE", () => {
    const zeroed = Buffer.from(auth);
    zeroed.fill(0, 72, 88);
    expect(hmacMd5(esk, ntlmNeg, challenge.raw, zeroed).equals(auth.subarray(72, 88))).toBe(true);
  });
  test("mechListMICs: ours is what the client sent, the server's verifies", () => {
    const flags = auth.readUInt32LE(60);
    expect(new NtlmSecurity(esk, flags, "client").mac(MECH_TYPES).equals(authTok.mechListMic as Buffer)).toBe(true);
    const fin = parseNegTokenResp(secBuf(msgs[5], 4));
    expect(fin.negState).toBe(0);
    expect(new NtlmSecurity(esk, flags, "server").mac(MECH_TYPES).equals(fin.mechListMic as Buffer)).toBe(true);
  });
  test("preauth hash and derived keys match Samba's", () => {
    expect(hex(preauth)).toBe(fx.expected.preauthHashAfterSessionSetup2Request);
    expect(hex(keys.signingKey)).toBe(fx.expected.signingKey);
    expect(hex(keys.encryptionKey as Buffer)).toBe(fx.expected.c2sKey);
    expect(hex(keys.decryptionKey as Buffer)).toBe(fx.expected.s2cKey);
  });
  test("the final SESSION_SETUP signature (AES-CMAC) verifies; a flipped byte does not", () => {
    const m5 = Buffer.from(msgs[5]);
    expect(readHeader(m5).sessionId).toBe(BigInt(fx.expected.sessionId as string));
    expect(verifyMessage("aes-cmac", keys.signingKey, m5)).toBe(true);
    m5[m5.length - 1] ^= 1;
    expect(verifyMessage("aes-cmac", keys.signingKey, m5)).toBe(false);
  });
  test("the encrypted TREE_CONNECT request and response decrypt (AES-128-GCM)", () => {
    const req = decryptMessage(2, keys.encryptionKey as Buffer, msgs[6]);
    expect(readHeader(req).command).toBe(3);
    const res = decryptMessage(2, keys.decryptionKey as Buffer, msgs[7]);
    const hdr = readHeader(res);
    expect(hdr.status).toBe(0);
    expect(hdr.treeId).toBe(Number(fx.expected.treeId));
    const bad = Buffer.from(msgs[7]);
    bad[bad.length - 1] ^= 1;
    expect(() => decryptMessage(2, keys.decryptionKey as Buffer, bad)).toThrow(/failed authentication/);
  });
  test("encrypt/decrypt round trip for all four ciphers; sign/verify for all three algorithms", () => {
    const msg = Buffer.from(msgs[6].length ? decryptMessage(2, keys.encryptionKey as Buffer, msgs[6]) : Buffer.alloc(0));
    for (const cipher of [1, 2, 3, 4]) {
      const key = cipher > 2 ? Buffer.alloc(32, 7) : Buffer.alloc(16, 7);
      const n = new NonceSource();
      const e1 = encryptMessage(cipher, key, 5n, n.next(cipher), msg);
      const e2 = encryptMessage(cipher, key, 5n, n.next(cipher), msg);
      expect(e1.subarray(20, 36).equals(e2.subarray(20, 36))).toBe(false);
      expect(decryptMessage(cipher, key, e1).equals(msg)).toBe(true);
    }
    for (const alg of ["hmac-sha256", "aes-cmac", "aes-gmac"] as const) {
      const m = Buffer.from(msg);
      signMessage(alg, keys.signingKey, m);
      expect(verifyMessage(alg, keys.signingKey, m)).toBe(true);
      m[70] ^= 1;
      expect(verifyMessage(alg, keys.signingKey, m)).toBe(false);
    }
  });
});
