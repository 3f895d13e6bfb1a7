/** The minimal SPNEGO (RFC 4178) DER a client needs to carry NTLM inside SMB2 SESSION_SETUP. */

export const SPNEGO_OID = Buffer.from("06062b0601050502", "hex");
export const NTLMSSP_OID = Buffer.from("060a2b06010401823702020a", "hex");
/** The DER mechTypes SEQUENCE we send; the mechListMIC is computed over these exact bytes. */
export const MECH_TYPES = Buffer.concat([Buffer.from([0x30, NTLMSSP_OID.length]), NTLMSSP_OID]);

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  if (n < 0x10000) return Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
}

export function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

/** Round 1: InitialContextToken { SPNEGO, NegTokenInit { mechTypes: [NTLMSSP], mechToken } }. */
export function negTokenInit(ntlmNegotiate: Buffer): Buffer {
  return der(0x60, SPNEGO_OID, der(0xa0, der(0x30, der(0xa0, MECH_TYPES), der(0xa2, der(0x04, ntlmNegotiate)))));
}

/** Round 2: NegTokenResp { responseToken, mechListMIC }. */
export function negTokenResp(ntlmAuthenticate: Buffer, mechListMic?: Buffer): Buffer {
  const parts = [der(0xa2, der(0x04, ntlmAuthenticate))];
  if (mechListMic) parts.push(der(0xa3, der(0x04, mechListMic)));
  return der(0xa1, der(0x30, ...parts));
}

interface Tlv {
  tag: number;
  value: Buffer;
  next: number;
}

function readTlv(b: Buffer, p: number): Tlv {
  if (p + 2 > b.length) throw new Error("SPNEGO: truncated token");
  const tag = b[p];
  let len = b[p + 1];
  let q = p + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n > 4 || q + n > b.length) throw new Error("SPNEGO: bad length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[q + i];
    q += n;
  }
  if (q + len > b.length) throw new Error("SPNEGO: truncated token");
  return { tag, value: b.subarray(q, q + len), next: q + len };
}

function children(b: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let p = 0;
  while (p < b.length) {
    const t = readTlv(b, p);
    out.push(t);
    p = t.next;
  }
  return out;
}

export interface NegTokenRespParsed {
  negState?: number;
  responseToken?: Buffer;
  mechListMic?: Buffer;
}

/** Parses the server's NegTokenResp ([1] SEQUENCE), walking children by tag and ignoring the rest. */
export function parseNegTokenResp(token: Buffer): NegTokenRespParsed {
  const outer = readTlv(token, 0);
  if (outer.tag !== 0xa1) throw new Error(`SPNEGO: expected NegTokenResp, got tag 0x${outer.tag.toString(16)}`);
  const seq = readTlv(outer.value, 0);
  const out: NegTokenRespParsed = {};
  for (const c of children(seq.value)) {
    const inner = readTlv(c.value, 0);
    if (c.tag === 0xa0) out.negState = inner.value[0];
    else if (c.tag === 0xa2) out.responseToken = Buffer.from(inner.value);
    else if (c.tag === 0xa3) out.mechListMic = Buffer.from(inner.value);
  }
  return out;
}
