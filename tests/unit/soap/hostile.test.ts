/** A hostile SOAP peer on 127.0.0.1: huge, endless, deep, DOCTYPE and dripping replies fail the call, typed, never the process. */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { explain } from "../../../provider/errorHints";
import { NS, SoapTransport, TransportError, buildEnvelope, el } from "../../../provider/soap";

type Mode = (res: http.ServerResponse) => void;

const open = `<soapenv:Envelope xmlns:soapenv="${NS.soapEnv}"><soapenv:Body><R xmlns="urn:vim25">`;
const close = `</R></soapenv:Body></soapenv:Envelope>`;

/** Writes `total` bytes of `<a/>` elements inside an envelope, with backpressure; counts what it sent. */
function stream(res: http.ServerResponse, total: number, sent: { bytes: number }): void {
  const chunk = "<a/>".repeat(16 * 1024);
  res.writeHead(200, { "Content-Type": "text/xml" });
  res.write(open);
  const pump = () => {
    while (sent.bytes < total) {
      sent.bytes += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", pump);
    }
    res.end(close);
  };
  res.on("error", () => undefined);
  pump();
}

describe("SoapTransport against a hostile peer", () => {
  let server: http.Server;
  let url: string;
  let mode: Mode;
  const timers: NodeJS.Timeout[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => mode(res));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sdk`;
  });
  afterEach(() => timers.splice(0).forEach(clearInterval));
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  const call = (t: SoapTransport, deadline?: number) => t.call("urn:vim25/8.0", buildEnvelope(el("Op")), {}, deadline).catch((e: unknown) => e);

  it("a reply over the cap fails with ETOOLARGE naming the peer and the cap; the server is cut off", async () => {
    const sent = { bytes: 0 };
    mode = (res) => stream(res, 8 * 1024 * 1024, sent);
    const t = new SoapTransport({ url, maxReplyBytes: 1024 * 1024, peer: "vsphere" });
    const err = await call(t);
    t.close();
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: "ETOOLARGE" });
    expect((err as Error).message).toContain(url);
    expect((err as Error).message).toContain("1 MiB cap");
    expect(err).toMatchObject({ kind: "tooLarge", peer: "vsphere" });
    expect((err as Error).message).toContain("raise the reply cap");
    // errorHints, not the transport, names the setting.
    expect(explain(err as Error).message).toContain("applayering:maxReplyBytes (APPLAYERING_MAX_REPLY_BYTES)");
    expect(sent.bytes).toBeLessThan(8 * 1024 * 1024);
  });

  it("a declared Content-Length over the cap fails before any body is read", async () => {
    mode = (res) => {
      res.writeHead(200, { "Content-Type": "text/xml", "Content-Length": String(200 * 1024 * 1024) });
      res.write(open);
    };
    const t = new SoapTransport({ url });
    const err = await call(t);
    t.close();
    expect(err).toMatchObject({ code: "ETOOLARGE" });
    expect((err as Error).message).toContain("64 MiB cap");
  });

  it("100 MB of small elements stops at the element limit (EBADREPLY) long before the heap or the 100 MB", async () => {
    const sent = { bytes: 0 };
    mode = (res) => stream(res, 100 * 1024 * 1024, sent);
    const t = new SoapTransport({ url, maxReplyBytes: 200 * 1024 * 1024 });
    const err = await call(t);
    t.close();
    expect(err).toMatchObject({ code: "EBADREPLY" });
    expect((err as Error).message).toMatch(/more than 1000000 elements/);
    expect(sent.bytes).toBeLessThan(20 * 1024 * 1024);
  }, 30_000);

  it("nesting deeper than 64 is a typed EBADREPLY naming the limit", async () => {
    mode = (res) => res.end(`${open}${"<d>".repeat(5000)}${"</d>".repeat(5000)}${close}`);
    const t = new SoapTransport({ url });
    const err = await call(t);
    t.close();
    expect(err).toMatchObject({ code: "EBADREPLY" });
    expect((err as Error).message).toMatch(/nested deeper than 64/);
  });

  it("a DOCTYPE (entity declarations) is refused", async () => {
    mode = (res) => res.end(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>${open}<returnval>&b;</returnval>${close}`);
    const t = new SoapTransport({ url });
    const err = await call(t);
    t.close();
    expect(err).toMatchObject({ code: "EBADREPLY" });
    expect((err as Error).message).toMatch(/DOCTYPE/);
  });

  it("a peer dripping one byte every 500 ms fails at the call's deadline, not never", async () => {
    mode = (res) => {
      res.writeHead(200, { "Content-Type": "text/xml" });
      const t = setInterval(() => res.write(" "), 500);
      timers.push(t);
      res.on("close", () => clearInterval(t));
    };
    const t = new SoapTransport({ url, timeoutMs: 1500 });
    const err = await call(t);
    t.close();
    expect(err).toMatchObject({ code: "ETIMEDOUT" });
    expect((err as Error).message).toContain("no complete reply within 1500 ms");
  }, 20_000);

  it("a caller's deadline cuts the call's own timeout short", async () => {
    mode = (res) => {
      res.writeHead(200, { "Content-Type": "text/xml" });
      const t = setInterval(() => res.write(" "), 500);
      timers.push(t);
      res.on("close", () => clearInterval(t));
    };
    const t = new SoapTransport({ url, timeoutMs: 600_000 });
    const err = await call(t, Date.now() + 1200);
    t.close();
    expect(err).toMatchObject({ code: "ETIMEDOUT" });
  }, 20_000);

  it("a normal reply split into single bytes still parses (multi-byte UTF-8 across chunks)", async () => {
    mode = (res) => {
      const body = Buffer.from(`${open}<returnval>Zürich ✓</returnval>${close}`);
      res.writeHead(200, { "Content-Type": "text/xml" });
      let i = 0;
      const next = () => (i < body.length ? res.write(body.subarray(i, ++i), next) : res.end());
      next();
    };
    const t = new SoapTransport({ url });
    const r = await t.call("urn:vim25/8.0", buildEnvelope(el("Op")));
    t.close();
    expect(r.payload?.children[0].text).toBe("Zürich ✓");
  });
});
