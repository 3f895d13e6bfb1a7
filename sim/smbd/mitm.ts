/**
 * A man in the middle for SMB tests: a TCP proxy on 127.0.0.1 in front of a real smbd that
 * reassembles Direct TCP frames in both directions and hands each to `tamper`, which may pass,
 * replace or drop it, and inject messages either way. Helpers below build the attacks (a
 * SessionId rewritten to 0, forged READ data and WRITE acks, a NEGOTIATE downgraded to 2.0.2,
 * plaintext replies in place of encrypted ones, hostile listings, endless STATUS_PENDING).
 */
import * as net from "net";

export type Direction = "toServer" | "toClient";

export interface MitmLink {
  /** Sends an SMB message (without the 4-byte framing) to the client. */
  toClient(msg: Buffer): void;
  /** Sends an SMB message to the server. */
  toServer(msg: Buffer): void;
}

/** Return a replacement message, null to drop it, or undefined to pass it on unchanged. */
export type Tamper = (msg: Buffer, dir: Direction, link: MitmLink) => Buffer | null | undefined;

export interface Mitm {
  host: string;
  port: number;
  /** Set or change at any time; applies to every connection. */
  tamper?: Tamper;
  stop(): Promise<void>;
}

const SMB2 = 0x424d53fe;
export const TRANSFORM = 0x424d53fd;
export const Cmd = { NEGOTIATE: 0, SESSION_SETUP: 1, READ: 8, WRITE: 9, QUERY_DIRECTORY: 0x0e, QUERY_INFO: 0x10 } as const;

function frame(msg: Buffer): Buffer {
  const f = Buffer.alloc(4 + msg.length);
  f.writeUInt32BE(msg.length);
  msg.copy(f, 4);
  return f;
}

class Framer {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    while (this.buf.length >= 4) {
      const n = this.buf.readUInt32BE(0) & 0xffffff;
      if (this.buf.length < 4 + n) break;
      out.push(Buffer.from(this.buf.subarray(4, 4 + n)));
      this.buf = this.buf.subarray(4 + n);
    }
    return out;
  }
}

export async function startMitm(target: { host: string; port: number }): Promise<Mitm> {
  const sockets = new Set<net.Socket>();
  const mitm: Mitm = { host: "127.0.0.1", port: 0, stop: async () => undefined };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.host, port: target.port });
    sockets.add(client).add(upstream);
    const link: MitmLink = {
      toClient: (m) => void (client.writable && client.write(frame(m))),
      toServer: (m) => void (upstream.writable && upstream.write(frame(m))),
    };
    const pipe = (from: net.Socket, dir: Direction): void => {
      const framer = new Framer();
      from.on("data", (chunk) => {
        for (const msg of framer.push(chunk)) {
          const out = mitm.tamper ? mitm.tamper(msg, dir, link) : undefined;
          if (out === null) continue;
          (dir === "toServer" ? link.toServer : link.toClient)(out ?? msg);
        }
      });
    };
    pipe(client, "toServer");
    pipe(upstream, "toClient");
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  mitm.port = (server.address() as net.AddressInfo).port;
  mitm.stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return mitm;
}

// ---- reading and writing plaintext SMB2 messages -------------------------------------------------

export const isSmb2 = (m: Buffer): boolean => m.length >= 64 && m.readUInt32LE(0) === SMB2;
export const command = (m: Buffer): number => m.readUInt16LE(12);
export const status = (m: Buffer): number => m.readUInt32LE(8);
export const messageId = (m: Buffer): bigint => m.readBigUInt64LE(24);
export const sessionId = (m: Buffer): bigint => m.readBigUInt64LE(40);
export const isSigned = (m: Buffer): boolean => (m.readUInt32LE(16) & 0x8) !== 0;

/** The same message with its header's SessionId replaced (the signature left as it was). */
export function withSessionId(m: Buffer, id: bigint): Buffer {
  const out = Buffer.from(m);
  out.writeBigUInt64LE(id, 40);
  return out;
}

/** A READ response whose data is overwritten with `fill`, its SessionId set to 0 (so old code skipped the signature check). */
export function forgeReadData(m: Buffer, fill: number): Buffer {
  const out = withSessionId(m, 0n);
  const off = out[64 + 2];
  const len = out.readUInt32LE(64 + 4);
  out.fill(fill, off, off + len);
  return out;
}

/** A reply header for a request: same MessageId and TreeId, SERVER_TO_REDIR, one credit. */
function replyHeader(req: Buffer, st: number, session: bigint, bodyLen: number, async?: bigint): Buffer {
  const b = Buffer.alloc(64 + bodyLen);
  req.copy(b, 0, 0, 64);
  b.writeUInt32LE(st >>> 0, 8);
  b.writeUInt16LE(1, 14);
  b.writeUInt32LE(0x1 | (async !== undefined ? 0x2 : 0), 16);
  b.writeUInt32LE(0, 20);
  if (async !== undefined) b.writeBigUInt64LE(async, 32);
  b.writeBigUInt64LE(session, 40);
  b.fill(0, 48, 64);
  return b;
}

/** A successful WRITE reply to a WRITE request that never reaches the server (SessionId 0, unsigned). */
export function forgeWriteAck(req: Buffer, session = 0n): Buffer {
  const b = replyHeader(req, 0, session, 16);
  b.writeUInt16LE(17, 64);
  b.writeUInt32LE(req.readUInt32LE(64 + 4), 64 + 4); // Count = the request's Length
  return b;
}

/** An interim STATUS_PENDING reply to req (async, unsigned: MS-SMB2 exempts it from signing). */
export function interimPending(req: Buffer, asyncId = 0x5151n): Buffer {
  const b = replyHeader(req, 0x103, sessionId(req), 9, asyncId);
  b.writeUInt16LE(9, 64);
  return b;
}

/** A plaintext READ reply for MessageId id carrying data (what a MITM substitutes for an encrypted one). */
export function plaintextReadReply(id: bigint, session: bigint, data: Buffer): Buffer {
  const b = Buffer.alloc(64 + 16 + data.length);
  b.writeUInt32LE(SMB2, 0);
  b.writeUInt16LE(64, 4);
  b.writeUInt16LE(Cmd.READ, 12);
  b.writeUInt16LE(1, 14);
  b.writeUInt32LE(0x1, 16);
  b.writeBigUInt64LE(id, 24);
  b.writeBigUInt64LE(session, 40);
  b.writeUInt16LE(17, 64);
  b[66] = 80;
  b.writeUInt32LE(data.length, 68);
  data.copy(b, 80);
  return b;
}

/** The session id carried in a TRANSFORM header (plaintext, before the encrypted message). */
export const transformSessionId = (m: Buffer): bigint => m.readBigUInt64LE(44);

/** NEGOTIATE response rewritten to answer 2.0.2 (no contexts), as a downgrading MITM would. */
export function downgradeNegotiate(m: Buffer): Buffer {
  const out = Buffer.from(m);
  out.writeUInt16LE(0x0202, 64 + 4);
  out.writeUInt16LE(0, 64 + 6); // NegotiateContextCount
  out.writeUInt32LE(0, 64 + 60); // NegotiateContextOffset
  return out;
}

export interface FakeEntry {
  name: string;
  directory?: boolean;
}

/** A successful QUERY_DIRECTORY reply (FileIdBothDirectoryInformation) in place of the server's m. */
export function directoryReply(m: Buffer, entries: FakeEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((e, i) => {
    const name = Buffer.from(e.name, "utf16le");
    const size = 104 + name.length;
    const padded = i < entries.length - 1 ? (size + 7) & ~7 : size;
    const b = Buffer.alloc(padded);
    if (i < entries.length - 1) b.writeUInt32LE(padded, 0);
    b.writeUInt32LE(e.directory ? 0x10 : 0x80, 56);
    b.writeUInt32LE(name.length, 60);
    name.copy(b, 104);
    parts.push(b);
  });
  const out = Buffer.concat(parts);
  const b = Buffer.alloc(64 + 8 + out.length);
  m.copy(b, 0, 0, 64);
  b.writeUInt32LE(0, 8);
  b.writeUInt32LE(b.readUInt32LE(16) & ~0x8, 16);
  b.fill(0, 48, 64);
  b.writeUInt16LE(9, 64);
  b.writeUInt16LE(72, 66);
  b.writeUInt32LE(out.length, 68);
  out.copy(b, 72);
  return b;
}
