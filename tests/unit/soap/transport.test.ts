import * as http from "node:http";
import * as https from "node:https";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { AddressInfo } from "node:net";
import { createHash, X509Certificate } from "node:crypto";
import { HttpError, SoapFaultError, SoapTransport, TransportError, buildEnvelope, el, redact, slabGet } from "../../../provider/soap";

type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

function handlerServer(h: Handler): http.Server {
  return http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => h(req, body, res));
  });
}

const ok = (payload: string) => buildEnvelope(payload);

describe("SoapTransport", () => {
  let server: http.Server;
  let url: string;
  let handler: Handler;
  let transport: SoapTransport;

  beforeAll(async () => {
    server = handlerServer((req, body, res) => handler(req, body, res));
    url = `http://127.0.0.1:${await listen(server)}/sdk`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    transport = new SoapTransport({ url, secrets: () => ["s3cr&t<pw"] });
  });
  afterEach(() => transport.close());

  it("sends SOAPAction and content type, and echoes cookies exactly as received", async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    handler = (req, _b, res) => {
      seen.push(req.headers);
      res.setHeader("Set-Cookie", [`vmware_soap_session="abc123"; Path=/; HttpOnly; Secure`]);
      res.end(ok(`<R xmlns="urn:vim25"><returnval>1</returnval></R>`));
    };
    const r1 = await transport.call("urn:vim25/7.0", buildEnvelope(el("Op")));
    await transport.call("urn:vim25/7.0", buildEnvelope(el("Op")));
    expect(r1.payload?.name).toBe("R");
    expect(seen[0].soapaction).toBe("urn:vim25/7.0");
    expect(seen[0]["content-type"]).toBe("text/xml; charset=utf-8");
    expect(seen[0].cookie).toBeUndefined();
    expect(seen[1].cookie).toBe(`vmware_soap_session="abc123"`);
  });

  it("turns a Fault on HTTP 500 into SoapFaultError, redacting secrets", async () => {
    handler = (_r, _b, res) => {
      res.statusCode = 500;
      res.end(
        `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>` +
          `<faultcode>soap:Client</faultcode><faultstring>bad password s3cr&amp;t&lt;pw</faultstring></soap:Fault></soap:Body></soap:Envelope>`,
      );
    };
    const err = await transport.call("x", ok("<Op/>")).catch((e) => e);
    expect(err).toBeInstanceOf(SoapFaultError);
    expect(err.httpStatus).toBe(500);
    expect(err.message).not.toContain("s3cr");
    expect(err.message).toContain("bad password ***");
  });

  it("reports a non-SOAP 500 as HttpError and malformed XML as TransportError", async () => {
    handler = (_r, _b, res) => {
      res.statusCode = 500;
      res.end("Internal Server Error");
    };
    await expect(transport.call("x", ok("<Op/>"))).rejects.toBeInstanceOf(HttpError);
    handler = (_r, _b, res) => res.end("<soap:Envelope><unterminated");
    const err = await transport.call("x", ok("<Op/>")).catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe("EBADREPLY");
  });

  it("times out a reply that never comes", async () => {
    handler = () => undefined; // never answers
    const slow = new SoapTransport({ url, timeoutMs: 200 });
    const err = await slow.call("x", ok("<Op/>")).catch((e) => e);
    slow.close();
    expect(err).toBeInstanceOf(TransportError);
    expect(err.code).toBe("ETIMEDOUT");
  });
});

describe("TLS policy", () => {
  let dir: string;
  let server: https.Server;
  let url: string;
  let certPem: string;
  const requests: Array<string | undefined> = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "soap-tls-"));
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"),
    ], { stdio: "ignore" });
    certPem = fs.readFileSync(path.join(dir, "cert.pem"), "utf8");
    server = https.createServer({ key: fs.readFileSync(path.join(dir, "key.pem")), cert: certPem }, (req, res) => {
      requests.push(req.headers.cookie);
      res.end(ok("<Pong/>"));
    });
    url = `https://127.0.0.1:${await listen(server)}/sdk`;
  });
  afterAll(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const call = async (tls: ConstructorParameters<typeof SoapTransport>[0]["tls"]) => {
    const t = new SoapTransport({ url, tls });
    try {
      return (await t.call("x", ok("<Ping/>"))).payload?.name;
    } finally {
      t.close();
    }
  };

  it("rejects a self-signed certificate by default", async () => {
    await expect(call({})).rejects.toBeInstanceOf(TransportError);
  });

  it("accepts it with its CA, with a pinned SHA-256 or SHA-1 thumbprint, or when insecure", async () => {
    const der = new X509Certificate(certPem).raw;
    const sha256 = createHash("sha256").update(der).digest("hex").match(/../g)!.join(":");
    const sha1 = createHash("sha1").update(der).digest("hex");
    expect(await call({ ca: certPem })).toBe("Pong");
    expect(await call({ thumbprint: sha256 })).toBe("Pong");
    expect(await call({ thumbprint: sha1.toUpperCase() })).toBe("Pong");
    expect(await call({ insecure: true })).toBe("Pong");
  });

  it("refuses a certificate that does not match the pinned thumbprint", async () => {
    await expect(call({ thumbprint: "00".repeat(32) })).rejects.toThrow(/pinned thumbprint/);
  });

  it("slabGet (disk downloads) holds to the same policy, and a wrong pin sends nothing, not even the cookie", async () => {
    const der = new X509Certificate(certPem).raw;
    const sha256 = createHash("sha256").update(der).digest("hex");
    const get = async (tls: NonNullable<Parameters<typeof slabGet>[1]>["tls"]) => {
      const res = await slabGet(url, { tls, headers: { Cookie: "session=s3cret" } });
      let body = "";
      for await (const c of res as AsyncIterable<Buffer>) body += c.toString();
      return body;
    };
    await expect(get({})).rejects.toBeInstanceOf(TransportError);
    expect(await get({ ca: certPem })).toContain("Pong");
    expect(await get({ thumbprint: sha256 })).toContain("Pong");
    requests.length = 0;
    const err = await get({ thumbprint: "00".repeat(32) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as Error).message).toMatch(/pinned thumbprint/);
    expect(requests).toEqual([]);
  });
});

describe("redact", () => {
  it("hides plain, XML-escaped and URL-encoded forms", () => {
    expect(redact("a p&w b p&amp;w c p%26w", ["p&w"])).toBe("a *** b *** c ***");
  });
});
