/** The connection core against a scripted in-process server: matching by MessageId, interim responses, credits, failures. */
import * as net from "net";
import { SmbConnection } from "../../../provider/share/smb/connection";
import { Command, Flags, Status } from "../../../provider/share/smb/constants";
import { FrameReader, joinPieces, readHeader, Smb2Header, writeHeader } from "../../../provider/share/smb/header";
import { SmbConnectionError } from "../../../provider/share/smb/errors";

type Handler = (req: Smb2Header, sock: net.Socket) => void;

function reply(sock: net.Socket, req: Smb2Header, opts: { status?: number; credits?: number; async?: bigint; body?: Buffer; command?: number; sessionId?: bigint }): void {
  const body = opts.body ?? Buffer.from([4, 0, 0, 0]);
  const msg = Buffer.alloc(64 + body.length);
  writeHeader(msg, 0, {
    command: opts.command ?? req.command, status: opts.status ?? 0, creditCharge: 0, credits: opts.credits ?? 1,
    flags: Flags.SERVER_TO_REDIR | (opts.async !== undefined ? Flags.ASYNC_COMMAND : 0), nextCommand: 0,
    messageId: req.messageId, asyncId: opts.async ?? 0n, treeId: 0, sessionId: opts.sessionId ?? 0n,
  });
  body.copy(msg, 64);
  const f = Buffer.alloc(4);
  f.writeUInt32BE(msg.length);
  sock.write(Buffer.concat([f, msg]));
}

async function withServer(handler: Handler, fn: (conn: SmbConnection) => Promise<void>, requestTimeoutMs?: number): Promise<void> {
  const sockets: net.Socket[] = [];
  const srv = net.createServer((sock) => {
    sockets.push(sock);
    const r = new FrameReader();
    sock.on("data", (d) => r.push(d).forEach((f) => handler(readHeader(Array.isArray(f) ? joinPieces(f) : f), sock)));
    sock.on("error", () => undefined);
  });
  await new Promise<void>((res) => srv.listen(0, "127.0.0.1", res));
  const conn = new SmbConnection({ host: "127.0.0.1", port: (srv.address() as net.AddressInfo).port, requestTimeoutMs });
  await conn.connect();
  conn.dialect = 0x0311;
  conn.largeMtu = true;
  try {
    await fn(conn);
  } finally {
    conn.close();
    sockets.forEach((s) => s.destroy());
    await new Promise<void>((res) => srv.close(() => res()));
  }
}

const echo = { command: Command.ECHO, body: Buffer.from([4, 0, 0, 0]) };

test("responses are matched by MessageId, interim responses carry credits and do not resolve", async () => {
  const held: Smb2Header[] = [];
  await withServer((req, sock) => {
    if (req.messageId === 0n) return reply(sock, req, { credits: 20 });
    held.push(req);
    if (held.length === 3) {
      // Answer in reverse order; the middle one goes async first.
      reply(sock, held[2], {});
      reply(sock, held[1], { status: Status.PENDING, async: 77n, credits: 5 });
      reply(sock, held[0], {});
      setTimeout(() => reply(sock, held[1], { async: 77n, credits: 0 }), 50);
    }
  }, async (conn) => {
    await conn.request(echo);
    const rs = await Promise.all([conn.request(echo), conn.request(echo), conn.request(echo)]);
    expect(rs.map((r) => r.header.messageId)).toEqual([1n, 2n, 3n]);
    expect(rs[1].header.asyncId).toBe(77n);
    expect(conn.stats.interimResponses).toBe(1);
    expect(conn.stats.maxInFlight).toBe(3);
  });
});

test("a request waits for credits, asks for more when starved, and multi-credit requests consume several MessageIds", async () => {
  const seen: Array<[bigint, number, number]> = [];
  await withServer((req, sock) => {
    seen.push([req.messageId, req.command, req.creditCharge]);
    // The first answers grant little; later ones grant plenty.
    setTimeout(() => reply(sock, req, { credits: req.messageId === 0n ? 2 : 16 }), 5);
  }, async (conn) => {
    await conn.request(echo); // balance 1 - 1 + 2 = 2
    const big = await conn.request({ command: Command.READ, body: Buffer.from([4, 0, 0, 0]), payloadSize: 4 << 16 });
    expect(big.header.messageId).toBe(2n);
    const next = await conn.request(echo);
    expect(next.header.messageId).toBe(6n); // the 4-credit request used ids 2..5
    expect(seen).toEqual([
      [0n, Command.ECHO, 1],
      [1n, Command.ECHO, 1], // the credit probe
      [2n, Command.READ, 4],
      [6n, Command.ECHO, 1],
    ]);
  });
});

test("a server that never grants enough credits fails clearly instead of hanging", async () => {
  await withServer((req, sock) => reply(sock, req, { credits: 1 }), async (conn) => {
    await conn.request(echo);
    await expect(conn.request({ ...echo, payloadSize: 8 << 16 })).rejects.toThrow(/granted too few credits .*need 8/);
  });
});

test("a lost connection fails every pending request and later ones at once", async () => {
  await withServer((req, sock) => {
    if (req.messageId === 0n) return reply(sock, req, { credits: 10 });
    if (req.messageId === 2n) sock.destroy();
  }, async (conn) => {
    await conn.request(echo);
    const a = conn.request(echo);
    const b = conn.request(echo);
    await expect(a).rejects.toBeInstanceOf(SmbConnectionError);
    await expect(b).rejects.toThrow(/connection to 127\.0\.0\.1:\d+ was lost/);
    await expect(conn.request(echo)).rejects.toBeInstanceOf(SmbConnectionError);
  });
});

test("no answer at all within the timeout fails the connection clearly", async () => {
  await withServer(() => undefined, async (conn) => {
    await expect(conn.request(echo)).rejects.toMatchObject({ code: "ETIMEDOUT", message: expect.stringMatching(/no response .* to ECHO/) });
  }, 200);
});

test("a reply for another session than the request's is a protocol error naming the server, and drops the connection", async () => {
  await withServer((req, sock) => reply(sock, req, { sessionId: 0x77n }), async (conn) => {
    await expect(conn.request(echo)).rejects.toThrow(/127\.0\.0\.1:\d+ sent a ECHO reply for session 0x77, not the request's session 0x0/);
    expect(conn.closed).toBe(true);
  });
});

test("a reply of another command than the request's is a protocol error", async () => {
  await withServer((req, sock) => reply(sock, req, { command: Command.READ }), async (conn) => {
    await expect(conn.request(echo)).rejects.toThrow(/answered a ECHO request with a READ reply/);
  });
});
