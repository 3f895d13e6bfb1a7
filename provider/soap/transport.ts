/**
 * One SOAP endpoint: POSTs envelopes over a keep-alive agent, keeps the cookie jar, and turns
 * replies into a payload element or a typed error. Sessions (login, tokens, re-login) belong to
 * the clients above it (vsphere/, elm/).
 */
import * as http from "node:http";
import * as https from "node:https";
import { HttpError, SoapFaultError, TransportError, redact } from "./errors";
import { NotSoapError, ParsedEnvelope, parseEnvelope } from "./envelope";
import { CookieJar } from "./cookies";
import { TlsOptions, createAgent } from "./tls";
import { XmlParseError } from "./xml";

export interface SoapTransportOptions {
  url: string;
  tls?: TlsOptions;
  /** Per-request timeout in milliseconds (default 120 000). */
  timeoutMs?: number;
  /** Values that must never appear in an error message (passwords, tokens). */
  secrets?: () => ReadonlyArray<string | undefined>;
}

export interface SoapReply extends ParsedEnvelope {
  status: number;
  headers: http.IncomingHttpHeaders;
}

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export class SoapTransport {
  readonly url: string;
  readonly cookies = new CookieJar();
  readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly secrets: () => ReadonlyArray<string | undefined>;

  constructor(opts: SoapTransportOptions) {
    this.url = opts.url;
    this.agent = createAgent(opts.url, opts.tls);
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.secrets = opts.secrets ?? (() => []);
  }

  /**
   * Sends one envelope. Resolves with the parsed reply when it is a payload; throws
   * SoapFaultError for a Fault (whatever the HTTP status), HttpError for other statuses and
   * TransportError for network failures or a reply that is not SOAP.
   */
  async call(soapAction: string, envelope: string, headers: Record<string, string> = {}): Promise<SoapReply> {
    const reply = await this.post(envelope, {
      "Content-Type": "text/xml; charset=utf-8",
      SOAPAction: soapAction,
      ...headers,
    });
    let parsed: ParsedEnvelope;
    try {
      parsed = await parseEnvelope(reply.text);
    } catch (err) {
      if (reply.status !== 200) throw new HttpError(reply.status, this.url, this.snippet(reply.text));
      if (err instanceof XmlParseError || err instanceof NotSoapError) {
        throw new TransportError(`reply from ${this.url} is not a SOAP envelope (${err.message})`, this.url, "EBADREPLY");
      }
      throw err;
    }
    if (parsed.fault) {
      const f = parsed.fault;
      throw new SoapFaultError(f.code, this.clean(f.message), f.detail, this.url, reply.status);
    }
    if (reply.status !== 200) throw new HttpError(reply.status, this.url, this.snippet(reply.text));
    return { ...parsed, status: reply.status, headers: reply.headers };
  }

  /** POSTs a body and returns the whole reply text; stores Set-Cookie headers. */
  post(body: string, headers: Record<string, string>): Promise<HttpReply> {
    const url = new URL(this.url);
    const cookie = this.cookies.header();
    const allHeaders: Record<string, string | number> = { ...headers, "Content-Length": Buffer.byteLength(body) };
    if (cookie && !Object.keys(headers).some((h) => h.toLowerCase() === "cookie")) allHeaders.Cookie = cookie;
    const mod = url.protocol === "https:" ? https : http;
    return new Promise<HttpReply>((resolve, reject) => {
      const req = mod.request(url, { method: "POST", agent: this.agent, headers: allHeaders, timeout: this.timeoutMs }, (res) => {
        this.cookies.store(res.headers["set-cookie"]);
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err) => reject(this.transportError(err)));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }),
        );
      });
      req.on("timeout", () => req.destroy(Object.assign(new Error(`no reply within ${this.timeoutMs} ms`), { code: "ETIMEDOUT" })));
      req.on("error", (err) => reject(this.transportError(err)));
      req.end(body);
    });
  }

  /** Closes idle keep-alive sockets so a process can exit. */
  close(): void {
    this.agent.destroy();
  }

  private transportError(err: Error & { code?: string }): TransportError {
    return new TransportError(`request to ${this.url} failed: ${this.clean(err.message)}`, this.url, err.code);
  }

  private clean(text: string): string {
    return redact(text, this.secrets());
  }

  private snippet(text: string): string {
    return this.clean(text.replace(/\s+/g, " ").trim().slice(0, 200));
  }
}
