/**
 * SESSION_SETUP with SPNEGO/NTLMv2, then the session's keys per dialect: signing key, and for
 * 3.x the encryption keys (3.1.1 from the preauth integrity hash).
 */
import { timingSafeEqual } from "crypto";
import { Cipher, Command, Dialect, SecurityMode, SessionFlags, SigningAlg, Status } from "./constants";
import type { SessionSecurity, SmbConnection } from "./connection";
import { NonceSource } from "./encryption";
import { SmbProtocolError, SmbStatusError } from "./errors";
import { smb3Kdf, cstr } from "./kdf";
import type { NegotiateResult } from "./negotiate";
import { sha512 } from "./negotiate";
import { authenticateMessage, negotiateMessage, NtlmSecurity, parseChallenge } from "./ntlm";
import { MECH_TYPES, negTokenInit, negTokenResp, parseNegTokenResp } from "./spnego";
import type { SigningAlgorithm } from "./signing";

export interface Credentials {
  domain: string;
  user: string;
  password: string;
}

export interface SessionKeys {
  signingKey: Buffer;
  encryptionKey?: Buffer;
  decryptionKey?: Buffer;
}

/** Derives the SMB session's keys from the NTLM session key (MS-SMB2 3.2.5.3.1). */
export function deriveKeys(dialect: number, sessionKey: Buffer, cipher: number, preauthHash?: Buffer): SessionKeys {
  if (dialect < Dialect.SMB300) return { signingKey: sessionKey };
  if (dialect === Dialect.SMB311) {
    if (!preauthHash) throw new Error("SMB 3.1.1 key derivation needs the preauth hash");
    const bits = cipher === Cipher.AES256CCM || cipher === Cipher.AES256GCM ? 256 : 128;
    return {
      signingKey: smb3Kdf(sessionKey, cstr("SMBSigningKey"), preauthHash, 128),
      encryptionKey: cipher ? smb3Kdf(sessionKey, cstr("SMBC2SCipherKey"), preauthHash, bits) : undefined,
      decryptionKey: cipher ? smb3Kdf(sessionKey, cstr("SMBS2CCipherKey"), preauthHash, bits) : undefined,
    };
  }
  return {
    signingKey: smb3Kdf(sessionKey, cstr("SMB2AESCMAC"), cstr("SmbSign"), 128),
    encryptionKey: cipher ? smb3Kdf(sessionKey, cstr("SMB2AESCCM"), cstr("ServerIn "), 128) : undefined,
    decryptionKey: cipher ? smb3Kdf(sessionKey, cstr("SMB2AESCCM"), cstr("ServerOut"), 128) : undefined,
  };
}

export function signingAlgorithmFor(dialect: number, negotiated: number): SigningAlgorithm {
  if (dialect < Dialect.SMB300) return "hmac-sha256";
  if (dialect < Dialect.SMB311) return "aes-cmac";
  return negotiated === SigningAlg.AES_GMAC ? "aes-gmac" : negotiated === SigningAlg.HMAC_SHA256 ? "hmac-sha256" : "aes-cmac";
}

function sessionSetupBody(token: Buffer, requireSigning: boolean): Buffer {
  const b = Buffer.alloc(24 + token.length);
  b.writeUInt16LE(25, 0);
  b[3] = SecurityMode.SIGNING_ENABLED | (requireSigning ? SecurityMode.SIGNING_REQUIRED : 0);
  b.writeUInt16LE(0x58, 12);
  b.writeUInt16LE(token.length, 14);
  token.copy(b, 24);
  return b;
}

function securityBuffer(body: Buffer, raw: Buffer): Buffer {
  const off = body.readUInt16LE(4);
  const len = body.readUInt16LE(6);
  return Buffer.from(raw.subarray(off, off + len));
}

export interface SessionOptions {
  credentials: Credentials;
  /** The client insists on signing even if the server does not. */
  requireSigning: boolean;
  /** The client insists on encryption of everything after SESSION_SETUP. */
  requireEncryption: boolean;
}

export interface SessionInfo {
  sessionId: bigint;
  sessionFlags: number;
  encrypted: boolean;
  signed: boolean;
}

/** Authenticates on conn and installs the session's security state on it. */
export async function sessionSetup(conn: SmbConnection, neg: NegotiateResult, opts: SessionOptions): Promise<SessionInfo> {
  const where = conn.where;
  const { credentials: cred } = opts;
  const is311 = neg.dialect === Dialect.SMB311;
  let preauth = neg.preauthHash;
  const hash = (m: Buffer): void => {
    if (is311 && preauth) preauth = sha512(preauth, m);
  };
  const serverRequiresSigning = (neg.securityMode & SecurityMode.SIGNING_REQUIRED) !== 0;
  const signingRequired = serverRequiresSigning || opts.requireSigning;

  // Round 1: NTLM NEGOTIATE.
  const ntlmNeg = negotiateMessage();
  const r1 = await conn.request({
    command: Command.SESSION_SETUP,
    body: sessionSetupBody(negTokenInit(ntlmNeg), opts.requireSigning),
    onBuilt: hash,
  });
  if (r1.header.status !== Status.MORE_PROCESSING_REQUIRED) {
    throw new SmbStatusError(r1.header.status, "SESSION_SETUP (NTLM negotiate)", where);
  }
  hash(r1.raw);
  const sessionId = r1.header.sessionId;
  const tok1 = parseNegTokenResp(securityBuffer(r1.body, r1.raw));
  if (!tok1.responseToken) throw new SmbProtocolError(`SMB: ${where} answered SESSION_SETUP without an NTLM challenge (Kerberos-only server?)`);
  let challenge: ReturnType<typeof parseChallenge>;
  try {
    challenge = parseChallenge(tok1.responseToken);
  } catch (e) {
    throw new SmbProtocolError(`SMB: ${where}: ${(e as Error).message}`);
  }

  // Round 2: NTLM AUTHENTICATE + mechListMIC.
  const auth = authenticateMessage({
    user: cred.user,
    domain: cred.domain,
    password: cred.password,
    server: conn.host,
    negotiate: ntlmNeg,
    challenge,
  });
  const clientSec = new NtlmSecurity(auth.exportedSessionKey, auth.flags, "client");
  const serverSec = new NtlmSecurity(auth.exportedSessionKey, auth.flags, "server");
  const mechListMic = clientSec.mac(MECH_TYPES);

  const sessionKey = auth.exportedSessionKey;
  const security: SessionSecurity = {
    sessionId,
    signingAlgorithm: signingAlgorithmFor(neg.dialect, neg.signingAlgorithm),
    signAll: false,
    // Set before the final round: its successful answer must then come signed (MS-SMB2 3.2.5.3.1),
    // which is what shows a man in the middle did not alter NEGOTIATE (dialect, security mode).
    signingRequired,
    encryptAll: false,
    nonces: new NonceSource(),
  };
  const r2Promise = conn.request({
    command: Command.SESSION_SETUP,
    body: sessionSetupBody(negTokenResp(auth.message, mechListMic), opts.requireSigning),
    sessionId,
    sign: false,
    encrypt: false,
    onBuilt: (m) => {
      // Keys derive from the hash that includes this very request (MS-SMB2 3.2.5.3.1).
      hash(m);
      const keys = deriveKeys(neg.dialect, sessionKey, neg.cipher, preauth);
      security.signingKey = keys.signingKey;
      security.encryptionKey = keys.encryptionKey;
      security.decryptionKey = keys.decryptionKey;
      security.cipher = neg.cipher || undefined;
      conn.session = security;
    },
  });
  // Installing the session before the request goes out lets the connection verify the answer's signature.
  const r2 = await r2Promise.catch((e: unknown) => {
    conn.session = undefined;
    throw e;
  });
  if (r2.header.status !== Status.SUCCESS) {
    conn.session = undefined;
    throw new SmbStatusError(r2.header.status, `SESSION_SETUP (logon as ${cred.domain ? cred.domain + "\\" : ""}${cred.user})`, where);
  }
  const flags = r2.body.readUInt16LE(2);
  if (flags & (SessionFlags.IS_GUEST | SessionFlags.IS_NULL)) {
    conn.session = undefined;
    throw new SmbStatusError(Status.LOGON_FAILURE, `SESSION_SETUP (the server logged ${cred.user} on as guest, which we refuse: no signing keys)`, where);
  }
  // On 3.1.1 the signed final response is what proves the preauth-protected exchange was not altered;
  // with signing on, the same holds for every dialect (the connection verified the signature).
  if ((is311 || signingRequired) && !r2.encrypted && !(r2.header.flags & 0x8)) {
    conn.session = undefined;
    throw new SmbProtocolError(`SMB: ${where} did not sign its final SESSION_SETUP response (SMB ${is311 ? "3.1.1" : "with signing required"}): the negotiation may have been tampered with`);
  }
  const tok2 = parseNegTokenResp(securityBuffer(r2.body, r2.raw));
  if (tok2.negState !== undefined && tok2.negState !== 0) {
    conn.session = undefined;
    throw new SmbProtocolError(`SMB: ${where} did not complete authentication (SPNEGO state ${tok2.negState})`);
  }
  if (tok2.mechListMic) {
    const expected = serverSec.mac(MECH_TYPES);
    if (tok2.mechListMic.length !== 16 || !timingSafeEqual(expected, tok2.mechListMic)) {
      conn.session = undefined;
      throw new SmbProtocolError(`SMB: the SPNEGO mechListMIC from ${where} is wrong: the negotiation may have been tampered with`);
    }
  }

  const serverWantsEncryption = (flags & SessionFlags.ENCRYPT_DATA) !== 0 && neg.dialect >= Dialect.SMB300;
  if ((serverWantsEncryption || opts.requireEncryption) && !security.encryptionKey) {
    conn.session = undefined;
    throw new SmbProtocolError(`SMB: encryption is required but ${where} negotiated ${neg.dialect >= Dialect.SMB300 ? "no common cipher" : "a 2.x dialect without encryption"}`);
  }
  security.encryptAll = serverWantsEncryption || opts.requireEncryption;
  // Sign when the server or the caller requires it (signing costs throughput); then unsigned
  // answers are fatal. Encrypted traffic is authenticated by the cipher instead.
  security.signAll = signingRequired;
  security.signingRequired = signingRequired;
  return { sessionId, sessionFlags: flags, encrypted: security.encryptAll, signed: signingRequired };
}
