/**
 * NTLMv2 client (MS-NLMP): the three messages, the NTLMv2 response, MIC, key exchange and the
 * session-security MAC that SPNEGO's mechListMIC needs.
 */
import { createHash, createHmac, randomBytes } from "crypto";
import { md4 } from "./md4";
import { Rc4 } from "./rc4";
import { rc4 } from "./rc4";

export const NtlmFlags = {
  UNICODE: 0x00000001,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  KEY_EXCH: 0x40000000,
  N56: 0x80000000,
} as const;

/** What we offer: the flags smbclient sends plus SEAL and 56 (as the reference's lab client). */
export const CLIENT_FLAGS = 0xe2088235 >>> 0;

const SIGNATURE = Buffer.from("NTLMSSP\0", "latin1");
const VERSION = Buffer.from([10, 0, 0x61, 0x4a, 0, 0, 0, 0x0f]);

const AV_EOL = 0, AV_FLAGS = 6, AV_TIMESTAMP = 7, AV_TARGET_NAME = 9, AV_CHANNEL_BINDINGS = 10;

export function hmacMd5(key: Buffer, ...data: Buffer[]): Buffer {
  const h = createHmac("md5", key);
  for (const d of data) h.update(d);
  return h.digest();
}

export function negotiateMessage(flags = CLIENT_FLAGS): Buffer {
  const b = Buffer.alloc(40);
  SIGNATURE.copy(b, 0);
  b.writeUInt32LE(1, 8);
  b.writeUInt32LE(flags >>> 0, 12);
  b.writeUInt32LE(40, 20); // empty domain, offset 40
  b.writeUInt32LE(40, 28); // empty workstation, offset 40
  VERSION.copy(b, 32);
  return b;
}

export interface AvPair {
  id: number;
  value: Buffer;
}

export interface Challenge {
  flags: number;
  serverChallenge: Buffer;
  targetInfo: AvPair[];
  raw: Buffer;
}

export function parseChallenge(raw: Buffer): Challenge {
  if (raw.length < 48 || !raw.subarray(0, 8).equals(SIGNATURE) || raw.readUInt32LE(8) !== 2) {
    throw new Error("NTLM: the server's CHALLENGE message is malformed");
  }
  const flags = raw.readUInt32LE(20);
  const serverChallenge = Buffer.from(raw.subarray(24, 32));
  const tiLen = raw.readUInt16LE(40);
  const tiOff = raw.readUInt32LE(44);
  const targetInfo: AvPair[] = [];
  if (tiLen > 0) {
    // Every pair must lie inside TargetInfo, and TargetInfo inside the message: a pair running
    // past either would otherwise be echoed back (truncated) in our AUTHENTICATE.
    if (tiOff < 48 || tiOff + tiLen > raw.length) {
      throw new Error(`NTLM: the server's CHALLENGE TargetInfo (offset ${tiOff}, length ${tiLen}) lies outside the ${raw.length}-byte message`);
    }
    let p = tiOff;
    const end = tiOff + tiLen;
    let sawEol = false;
    while (p + 4 <= end) {
      const id = raw.readUInt16LE(p);
      const len = raw.readUInt16LE(p + 2);
      if (id === AV_EOL) {
        sawEol = true;
        break;
      }
      if (p + 4 + len > end) throw new Error(`NTLM: the server's CHALLENGE has an AV pair (id ${id}, length ${len}) running past the end of TargetInfo`);
      targetInfo.push({ id, value: Buffer.from(raw.subarray(p + 4, p + 4 + len)) });
      p += 4 + len;
    }
    if (!sawEol) throw new Error("NTLM: the server's CHALLENGE TargetInfo does not end with MsvAvEOL");
  }
  return { flags, serverChallenge, targetInfo, raw };
}

export function ntowfv2(password: string, user: string, domain: string): Buffer {
  const nt = md4(Buffer.from(password, "utf16le"));
  return hmacMd5(nt, Buffer.from(user.toUpperCase() + domain, "utf16le"));
}

function encodeAvPairs(pairs: AvPair[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of pairs) {
    const h = Buffer.alloc(4);
    h.writeUInt16LE(p.id, 0);
    h.writeUInt16LE(p.value.length, 2);
    parts.push(h, p.value);
  }
  parts.push(Buffer.alloc(4)); // MsvAvEOL
  return Buffer.concat(parts);
}

export function filetimeNow(): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(Date.now()) * 10000n + 116444736000000000n);
  return b;
}

/** NTLMv2 "temp" blob (everything after NTProofStr in the NT response). */
export function ntlmv2Temp(timestamp: Buffer, clientChallenge: Buffer, avPairs: Buffer): Buffer {
  const head = Buffer.alloc(16);
  head[0] = 1;
  head[1] = 1;
  timestamp.copy(head, 8);
  return Buffer.concat([head, clientChallenge, Buffer.alloc(4), avPairs, Buffer.alloc(4)]);
}

export interface AuthenticateInput {
  user: string;
  domain: string;
  password: string;
  workstation?: string;
  /** Server name for MsvAvTargetName (`cifs/<server>`). */
  server: string;
  negotiate: Buffer;
  challenge: Challenge;
  /** For tests only: fixed randomness. */
  clientChallenge?: Buffer;
  exportedSessionKey?: Buffer;
  timestamp?: Buffer;
}

export interface AuthenticateResult {
  message: Buffer;
  exportedSessionKey: Buffer;
  flags: number;
}

export function authenticateMessage(input: AuthenticateInput): AuthenticateResult {
  const { challenge } = input;
  const flags = (CLIENT_FLAGS & challenge.flags) >>> 0;
  const responseKey = ntowfv2(input.password, input.user, input.domain);
  const serverTs = challenge.targetInfo.find((p) => p.id === AV_TIMESTAMP);
  const timestamp = input.timestamp ?? serverTs?.value ?? filetimeNow();
  const clientChallenge = input.clientChallenge ?? randomBytes(8);

  // Client edits of the AV pairs: announce the MIC, empty channel bindings, our target SPN.
  const useMic = serverTs !== undefined;
  const pairs = challenge.targetInfo.filter((p) => p.id !== AV_FLAGS && p.id !== AV_CHANNEL_BINDINGS && p.id !== AV_TARGET_NAME);
  const oldFlags = challenge.targetInfo.find((p) => p.id === AV_FLAGS);
  const avFlags = Buffer.alloc(4);
  avFlags.writeUInt32LE(((oldFlags ? oldFlags.value.readUInt32LE(0) : 0) | (useMic ? 2 : 0)) >>> 0);
  if (useMic || oldFlags) pairs.push({ id: AV_FLAGS, value: avFlags });
  pairs.push({ id: AV_CHANNEL_BINDINGS, value: Buffer.alloc(16) });
  pairs.push({ id: AV_TARGET_NAME, value: Buffer.from(`cifs/${input.server}`, "utf16le") });

  const temp = ntlmv2Temp(timestamp, clientChallenge, encodeAvPairs(pairs));
  const ntProof = hmacMd5(responseKey, challenge.serverChallenge, temp);
  const ntResponse = Buffer.concat([ntProof, temp]);
  const lmResponse = serverTs
    ? Buffer.alloc(24)
    : Buffer.concat([hmacMd5(responseKey, challenge.serverChallenge, clientChallenge), clientChallenge]);
  const sessionBaseKey = hmacMd5(responseKey, ntProof);

  let exportedSessionKey = sessionBaseKey;
  let encryptedKey: Buffer = Buffer.alloc(0);
  if (flags & NtlmFlags.KEY_EXCH) {
    exportedSessionKey = input.exportedSessionKey ?? randomBytes(16);
    encryptedKey = rc4(sessionBaseKey, exportedSessionKey);
  }

  const domain = Buffer.from(input.domain, "utf16le");
  const user = Buffer.from(input.user, "utf16le");
  const ws = Buffer.from(input.workstation ?? "", "utf16le");
  const fields = [lmResponse, ntResponse, domain, user, ws, encryptedKey];
  const fixed = 88;
  const msg = Buffer.alloc(fixed + fields.reduce((n, f) => n + f.length, 0));
  SIGNATURE.copy(msg, 0);
  msg.writeUInt32LE(3, 8);
  let off = fixed;
  fields.forEach((f, i) => {
    const d = 12 + i * 8;
    msg.writeUInt16LE(f.length, d);
    msg.writeUInt16LE(f.length, d + 2);
    msg.writeUInt32LE(off, d + 4);
    f.copy(msg, off);
    off += f.length;
  });
  msg.writeUInt32LE(flags, 60);
  VERSION.copy(msg, 64);
  if (useMic) {
    const mic = hmacMd5(exportedSessionKey, input.negotiate, challenge.raw, msg);
    mic.copy(msg, 72);
  }
  return { message: msg, exportedSessionKey, flags };
}

const C2S_SIGN = "session key to client-to-server signing key magic constant\0";
const S2C_SIGN = "session key to server-to-client signing key magic constant\0";
const C2S_SEAL = "session key to client-to-server sealing key magic constant\0";
const S2C_SEAL = "session key to server-to-client sealing key magic constant\0";

function md5(...parts: Buffer[]): Buffer {
  const h = createHash("md5");
  for (const p of parts) h.update(p);
  return h.digest();
}

/** NTLM2 session security (ESS) for one direction: signing key + a continuing RC4 sealing handle. */
export class NtlmSecurity {
  private readonly signKey: Buffer;
  private readonly seal: Rc4;
  private seq = 0;

  constructor(exportedSessionKey: Buffer, flags: number, direction: "client" | "server") {
    let k = exportedSessionKey;
    if (!(flags & NtlmFlags.N128)) k = k.subarray(0, flags & NtlmFlags.N56 ? 7 : 5);
    this.signKey = md5(exportedSessionKey, Buffer.from(direction === "client" ? C2S_SIGN : S2C_SIGN, "latin1"));
    this.seal = new Rc4(md5(k, Buffer.from(direction === "client" ? C2S_SEAL : S2C_SEAL, "latin1")));
    this.keyExch = (flags & NtlmFlags.KEY_EXCH) !== 0;
  }
  private readonly keyExch: boolean;

  /** The 16-byte MAC of message, with the next sequence number. */
  mac(message: Buffer): Buffer {
    const seq = Buffer.alloc(4);
    seq.writeUInt32LE(this.seq++);
    let checksum = hmacMd5(this.signKey, seq, message).subarray(0, 8);
    if (this.keyExch) checksum = this.seal.update(checksum);
    return Buffer.concat([Buffer.from([1, 0, 0, 0]), checksum, seq]);
  }
}
