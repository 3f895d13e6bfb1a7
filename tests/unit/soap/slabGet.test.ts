/**
 * slabGet against servers started here: Node's own HTTP server (Content-Length, chunked, Range),
 * and raw sockets saying what a broken or hostile server says (an endless head, a bad chunk, a
 * body over its bound, a cut, a stall). A vcsim HTTPS server covers TLS and the pinned thumbprint.
 */
import { createHash, randomBytes } from "node:crypto";
import * as http from "node:http";
import * as net from "node:net";
import type { AddressInfo } from "node:net";
import { HttpError, slabGet, TransportError, type SlabResponse } from "../../../provider/soap";
import { giveBack } from "../../../provider/lending";

const sha = (b: Buffer | Buffer[]) => createHash("sha256").update(Buffer.isBuffer(b) ? b : Buffer.concat(b)).digest("hex");

async function drain(res: SlabResponse): Promise<{ chunks: Buffer[]; bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    chunks.push(c);
    bytes += c.length;
  }
  return { chunks, bytes };
}

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A raw TCP server that answers every connection with `reply(socket)`. */
async function rawServer(reply: (s: net.Socket) => void): Promise<{ url: string; close: () => Promise<void>; connections: () => number }> {
  let n = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    n++;
    sockets.add(s);
    s.on("error", () => undefined);
    s.once("data", () => reply(s));
  });
  const url = await listen(server);
  return {
    url,
    connections: () => n,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe("slabGet", () => {
  const body = randomBytes(5 * 1024 * 1024 + 123);
  const big = randomBytes(24 * 1024 * 1024);
  let server: http.Server;
  let base: string;
  const seen: http.IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      if (req.url === "/big") {
        res.writeHead(200, { "Content-Length": big.length });
        return res.end(big);
      }
      if (req.url === "/length") {
        res.writeHead(200, { "Content-Length": body.length });
        return res.end(body);
      }
      if (req.url === "/chunked") {
        // Node sends one chunk per write: sizes from 1 byte to 300 KiB.
        res.writeHead(200, { "Transfer-Encoding": "chunked" });
        let p = 0;
        let size = 1;
        while (p < body.length) {
          res.write(body.subarray(p, p + size));
          p += size;
          size = Math.min(size * 3 + 7, 300 * 1024);
        }
        return res.end();
      }
      if (req.url === "/range") {
        const m = /bytes=(\d+)-/.exec(String(req.headers.range));
        const from = m ? Number(m[1]) : 0;
        res.writeHead(206, { "Content-Range": `bytes ${from}-${body.length - 1}/${body.length}`, "Content-Length": body.length - from });
        return res.end(body.subarray(from));
      }
      res.writeHead(404, { "Content-Type": "text/plain" });
      res.end("no such lease: session token=Tok3n-Secret-99 was rejected");
    });
    base = await listen(server);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("reads a Content-Length body whole, in views of at most 1 MiB, and sends the caller's headers", async () => {
    const res = await slabGet(`${base}/length`, { headers: { Cookie: "vmware_soap_session=abc" } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-length"]).toBe(String(body.length));
    // Flowing, as the disk copy reads: each 'data' is one view handed on (a paused read() joins them).
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    await new Promise((r) => res.once("end", r));
    const bytes = chunks.reduce((n, c) => n + c.length, 0);
    expect(bytes).toBe(body.length);
    expect(sha(chunks)).toBe(sha(body));
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(1 << 20);
    // Joined in the slab: far fewer pieces than socket reads.
    expect(chunks.length).toBeLessThan(40);
    expect(seen[seen.length - 1].cookie).toBe("vmware_soap_session=abc");
  });

  it("with lend, reads into the same few slabs again once their chunks are given back", async () => {
    const res = await slabGet(`${base}/big`, { lend: true });
    const h = createHash("sha256");
    res.on("data", (c: Buffer) => {
      h.update(c);
      // A sink that takes part gives back later (its WRITE answered): here on the next turn.
      setImmediate(() => giveBack(c));
    });
    await new Promise((r) => res.once("end", r));
    expect(h.digest("hex")).toBe(sha(big));
    // 24 MiB through 4 MiB slabs (seven of them read into): some reused, however the reads fall.
    expect(res.slabStats.allocated).toBeLessThanOrEqual(4);
    expect(res.slabStats.reused).toBeGreaterThanOrEqual(2);
    expect(res.slabStats.allocated + res.slabStats.reused).toBeGreaterThanOrEqual(6);
  });

  it("with lend, chunks a reader keeps without giving them back are never overwritten", async () => {
    const res = await slabGet(`${base}/big`, { lend: true });
    // Every other chunk given back as it comes: each slab still has one kept, so none is read into again.
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => {
      if (chunks.push(c) % 2 === 1) setImmediate(() => giveBack(c));
    });
    await new Promise((r) => res.once("end", r));
    expect(sha(chunks)).toBe(sha(big));
    expect(res.slabStats.reused).toBe(0);
    expect(res.slabStats.allocated).toBeGreaterThanOrEqual(6);
  });

  it("reads a chunked body whole, its framing taken out", async () => {
    const res = await slabGet(`${base}/chunked`);
    const { chunks, bytes } = await drain(res);
    expect(bytes).toBe(body.length);
    expect(sha(chunks)).toBe(sha(body));
  });

  it("gives a ranged answer's status and Content-Range, and the bytes from the offset", async () => {
    const res = await slabGet(`${base}/range`, { headers: { Range: "bytes=1000000-" } });
    expect(res.statusCode).toBe(206);
    expect(res.headers["content-range"]).toBe(`bytes 1000000-${body.length - 1}/${body.length}`);
    const { chunks } = await drain(res);
    expect(sha(chunks)).toBe(sha(body.subarray(1000000)));
  });

  it("rejects a non-2xx status with HttpError and a redacted snippet of the body", async () => {
    const err = await slabGet(`${base}/nope`, { secrets: ["Tok3n-Secret-99"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(404);
    expect((err as Error).message).toMatch(/HTTP 404 from http:\/\/127\.0\.0\.1:\d+\/nope: no such lease/);
    expect((err as Error).message).not.toContain("Tok3n-Secret-99");
  });

  it("refuses a Content-Length over maxBytes before any body byte", async () => {
    const err = await slabGet(`${base}/length`, { maxBytes: 1024 * 1024 }).catch((e: unknown) => e);
    expect((err as { oversize?: boolean }).oversize).toBe(true);
    expect((err as Error).message).toMatch(/more than the 1048576 bytes this download may have/);
  });

  it("fails the stream once a chunked body passes maxBytes, having handed on no more than the bound", async () => {
    const res = await slabGet(`${base}/chunked`, { maxBytes: 2 * 1024 * 1024 });
    let got = 0;
    const err = await (async () => {
      for await (const c of res as AsyncIterable<Buffer>) got += c.length;
    })().catch((e: unknown) => e);
    expect((err as { oversize?: boolean }).oversize).toBe(true);
    expect(got).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it("refuses a head that never ends (64 KiB bound) with a TransportError", async () => {
    const srv = await rawServer((s) => {
      s.write("HTTP/1.1 200 OK\r\n");
      const filler = `X-Filler: ${"a".repeat(1000)}\r\n`;
      for (let i = 0; i < 200 && !s.destroyed; i++) s.write(filler);
    });
    try {
      const err = await slabGet(srv.url).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect((err as Error).message).toMatch(/response head is over 65536 bytes; refused/);
    } finally {
      await srv.close();
    }
  });

  it("refuses a bad chunk size line and a body cut short, on the stream", async () => {
    const bad = await rawServer((s) => s.end("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n"));
    const cut = await rawServer((s) => s.end(`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${"x".repeat(400)}`));
    try {
      const r1 = await slabGet(bad.url);
      await expect(drain(r1)).rejects.toThrow(/bad chunk size line/);
      const r2 = await slabGet(cut.url);
      let got = 0;
      // A flowing reader, as the disk copy is.
      r2.on("data", (c: Buffer) => (got += c.length));
      const err = await new Promise((resolve) => r2.once("error", resolve));
      // What came before the cut is handed on first (a resume continues after it).
      expect(got).toBe(400);
      expect((err as { code?: string }).code).toBe("ECONNRESET");
      expect((err as Error).message).toMatch(/closed after 400 body bytes/);
    } finally {
      await bad.close();
      await cut.close();
    }
  });

  it("fails a download that stalls for idleTimeoutMs", async () => {
    const srv = await rawServer((s) => s.write(`HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n${"x".repeat(10)}`));
    try {
      const res = await slabGet(srv.url, { idleTimeoutMs: 300 });
      await expect(drain(res)).rejects.toMatchObject({ code: "ETIMEDOUT" });
    } finally {
      await srv.close();
    }
  });

  it("applies backpressure: a paused reader holds the socket, and the body is whole when it resumes", async () => {
    const res = await slabGet(`${base}/big`);
    await new Promise((r) => setTimeout(r, 300));
    // Unread: the stream's 4 MiB and what the last reads brought, not the 24 MiB body.
    expect(res.readableLength).toBeGreaterThan(0);
    expect(res.readableLength).toBeLessThan(10 * 1024 * 1024);
    const { chunks } = await drain(res);
    expect(sha(chunks)).toBe(sha(big));
  });

  it("an abort rejects before the head, and destroys the stream after it", async () => {
    const srv = await rawServer(() => undefined);
    try {
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(new Error("deployment cancelled")), 100);
      await expect(slabGet(srv.url, { signal: ctl.signal })).rejects.toThrow(/deployment cancelled/);
      const ctl2 = new AbortController();
      const res = await slabGet(`${base}/length`, { signal: ctl2.signal });
      ctl2.abort(new Error("stop now"));
      await expect(drain(res)).rejects.toThrow(/stop now/);
    } finally {
      await srv.close();
    }
  });
});
