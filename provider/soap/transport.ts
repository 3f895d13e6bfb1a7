/**
 * One SOAP endpoint: POSTs envelopes over a keep-alive agent, keeps the cookie jar, and turns
 * replies into a payload element or a typed error. Sessions (login, tokens, re-login) belong to
 * the clients above it (vsphere/, elm/).
 *
 * A reply is parsed as it arrives (never held as one string), is capped in size, and the whole
 * call — connect, send, every byte of the reply — has one deadline: a peer that drips bytes
 * cannot keep a call alive, and a huge reply fails the call instead of the process.
 */
import * as http from "node:http";
import * as https from "node:https";
import { StringDecoder } from "node:string_decoder";
import { HttpError, SoapFaultError, TransportError, redact, redactElement } from "./errors";
import { NotSoapError, ParsedEnvelope, splitEnvelope } from "./envelope";
import { CookieJar } from "./cookies";
import { TlsOptions, createAgent } from "./tls";
import { XmlElement, XmlParseError, XmlStreamParser } from "./xml";
import { trace, tracing } from "../debug/trace";
import { cut, redactHeaders, redactXml } from "../debug/redact";
import { ErrorKind, Peer, kindOfCode, tag } from "../errorKinds";

/** Largest reply accepted by default (a setting raises it: errorHints.ts names it). */
export const DEFAULT_MAX_REPLY_BYTES = 64 * 1024 * 1024;
/** Default deadline of one whole call, in milliseconds. */
export const DEFAULT_CALL_TIMEOUT_MS = 120_000;

export interface SoapTransportOptions {
  url: string;
  tls?: TlsOptions;
  /** Deadline of each whole call (connect to last reply byte), in milliseconds (default 120 000). */
  timeoutMs?: number;
  /** Largest reply body accepted, in bytes (default 64 MiB). */
  maxReplyBytes?: number;
  /** Values that must never appear in an error message or a trace line (passwords, tokens). */
  secrets?: () => ReadonlyArray<string | undefined>;
  /** Which peer this is: tags errors (errorKinds.ts) and names the wire in trace lines (`vim25`, `elm`). */
  peer?: Peer;
}

export interface SoapReply extends ParsedEnvelope {
  status: number;
  headers: http.IncomingHttpHeaders;
}

/** What one exchange yields: the parsed document, or why it is not one, and the reply's start. */
interface Exchange {
  status: number;
  headers: http.IncomingHttpHeaders;
  root?: XmlElement;
  parseError?: XmlParseError;
  /** The first characters of the body, for HttpError messages. */
  head: string;
}

const HEAD_CHARS = 400;
/** Characters of a request or reply body a trace line shows. */
const TRACE_BODY_CHARS = 4096;

export class SoapTransport {
  readonly url: string;
  readonly cookies = new CookieJar();
  readonly agent: http.Agent;
  readonly timeoutMs: number;
  readonly maxReplyBytes: number;
  private readonly secrets: () => ReadonlyArray<string | undefined>;
  private readonly peer?: Peer;
  private readonly wire: string;

  constructor(opts: SoapTransportOptions) {
    this.url = opts.url;
    this.agent = createAgent(opts.url, opts.tls);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.maxReplyBytes = opts.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
    this.secrets = opts.secrets ?? (() => []);
    this.peer = opts.peer;
    this.wire = opts.peer === "vsphere" ? "vim25" : (opts.peer ?? "soap");
  }

  /**
   * Sends one envelope. Resolves with the parsed reply when it is a payload; throws
   * SoapFaultError for a Fault (whatever the HTTP status), HttpError for other statuses and
   * TransportError for network failures, the deadline (ETIMEDOUT), a reply over the cap
   * (ETOOLARGE) or one that is not SOAP (EBADREPLY). `deadline` (ms since the epoch) cuts the
   * call's own timeout short, so a caller's wait holds during a request too.
   */
  async call(soapAction: string, envelope: string, headers: Record<string, string> = {}, deadline?: number): Promise<SoapReply> {
    try {
      return await this.callOnce(soapAction, envelope, headers, deadline);
    } catch (err) {
      if (this.peer && err instanceof Error) tag(err, kindOfError(err), this.peer);
      throw err;
    }
  }

  private async callOnce(soapAction: string, envelope: string, headers: Record<string, string>, deadline?: number): Promise<SoapReply> {
    const reply = await this.exchange(envelope, { "Content-Type": "text/xml; charset=utf-8", SOAPAction: soapAction, ...headers }, deadline);
    let parsed: ParsedEnvelope;
    try {
      if (reply.parseError) throw reply.parseError;
      parsed = splitEnvelope(reply.root!);
    } catch (err) {
      if (reply.status !== 200) throw new HttpError(reply.status, this.url, this.snippet(reply.head));
      if (err instanceof XmlParseError || err instanceof NotSoapError) {
        throw new TransportError(`reply from ${this.url} is not a SOAP envelope (${this.clean(err.message)})`, this.url, "EBADREPLY");
      }
      throw err;
    }
    if (parsed.fault) {
      const f = parsed.fault;
      // A peer may echo a password into the detail: clean it before anything keeps or prints it.
      const detail = f.detail ? redactElement(f.detail, this.secrets()) : undefined;
      throw new SoapFaultError(f.code, this.clean(f.message), detail, this.url, reply.status);
    }
    if (reply.status !== 200) throw new HttpError(reply.status, this.url, this.snippet(reply.head));
    return { ...parsed, status: reply.status, headers: reply.headers };
  }

  /** One exchange, traced when APPLAYERING_DEBUG is set: method, path, status, time, bodies cut and redacted. */
  private async exchange(body: string, headers: Record<string, string>, deadline?: number): Promise<Exchange> {
    if (!tracing()) return this.post(body, headers, deadline);
    const method = /<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)/.exec(body)?.[1] ?? headers.SOAPAction ?? "?";
    const path = new URL(this.url).pathname;
    // Methods whose reply is a bare ticket (AcquireCloneTicket, AcquireGenericServiceTicket, …).
    const ticket = /Ticket|Token|Login/i.test(method);
    const headerText = redactHeaders({ ...headers, Cookie: this.cookies.header() });
    trace(this.wire, `> ${method} POST ${path} [${headerText}] ${this.clean(cut(redactXml(body), TRACE_BODY_CHARS))}`);
    const started = Date.now();
    try {
      const reply = await this.post(body, headers, deadline, TRACE_BODY_CHARS);
      const ms = Date.now() - started;
      trace(this.wire, `< ${method} ${reply.status} in ${ms} ms [${redactHeaders({ "set-cookie": reply.headers["set-cookie"], "content-length": reply.headers["content-length"] })}] ${this.clean(cut(redactXml(reply.head, ticket), TRACE_BODY_CHARS))}`);
      return reply;
    } catch (err) {
      trace(this.wire, `< ${method} failed after ${Date.now() - started} ms: ${this.clean((err as Error).message)}`);
      throw err;
    }
  }

  /** POSTs a body and parses the reply as it streams in; stores Set-Cookie headers. `headChars`: how much of the reply to keep as text. */
  private post(body: string, headers: Record<string, string>, deadline?: number, headChars = HEAD_CHARS): Promise<Exchange> {
    const url = new URL(this.url);
    const cookie = this.cookies.header();
    const allHeaders: Record<string, string | number> = { ...headers, "Content-Length": Buffer.byteLength(body) };
    if (cookie && !Object.keys(headers).some((h) => h.toLowerCase() === "cookie")) allHeaders.Cookie = cookie;
    const mod = url.protocol === "https:" ? https : http;
    const budget = Math.min(this.timeoutMs, (deadline ?? Infinity) - Date.now());
    if (!(budget > 0)) return Promise.reject(new TransportError(`request to ${this.url} not sent: its deadline has passed`, this.url, "ETIMEDOUT"));
    return new Promise<Exchange>((resolve, reject) => {
      let settled = false;
      // Every outcome goes through here; listeners never throw, so nothing escapes to the process.
      const settle = (err: Error | undefined, value?: Exchange) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          req.destroy();
          reject(err);
        } else {
          resolve(value!);
        }
      };
      const req = mod.request(url, { method: "POST", agent: this.agent, headers: allHeaders }, (res) => {
        this.cookies.store(res.headers["set-cookie"]);
        const status = res.statusCode ?? 0;
        const declared = Number(res.headers["content-length"]);
        if (declared > this.maxReplyBytes) return settle(this.tooLarge(declared));
        const decoder = new StringDecoder("utf8");
        const parser = new XmlStreamParser();
        let bytes = 0;
        let head = "";
        const feed = (text: string): XmlParseError | undefined => {
          if (head.length < headChars) head += text.slice(0, headChars - head.length);
          try {
            parser.write(text);
            return undefined;
          } catch (err) {
            return err instanceof XmlParseError ? err : new XmlParseError(String(err));
          }
        };
        res.on("data", (c: Buffer) => {
          if (settled) return;
          bytes += c.length;
          if (bytes > this.maxReplyBytes) return settle(this.tooLarge(bytes));
          const parseError = feed(decoder.write(c));
          // The rest of a broken document cannot help: stop reading it.
          if (parseError) {
            settle(undefined, { status, headers: res.headers, parseError, head });
            req.destroy();
          }
        });
        res.on("error", (err) => settle(this.transportError(err)));
        res.on("end", () => {
          if (settled) return;
          let parseError = feed(decoder.end());
          let root: XmlElement | undefined;
          if (!parseError) {
            try {
              root = parser.end();
            } catch (err) {
              parseError = err instanceof XmlParseError ? err : new XmlParseError(String(err));
            }
          }
          settle(undefined, { status, headers: res.headers, root, parseError, head });
        });
      });
      const timer = setTimeout(
        () => settle(new TransportError(`request to ${this.url} failed: no complete reply within ${budget} ms`, this.url, "ETIMEDOUT")),
        budget,
      );
      req.on("error", (err) => settle(this.transportError(err)));
      req.end(body);
    });
  }

  /** Closes idle keep-alive sockets so a process can exit. */
  close(): void {
    this.agent.destroy();
  }

  private tooLarge(bytes: number): TransportError {
    const cap = this.maxReplyBytes;
    return new TransportError(
      `reply from ${this.url} is larger than the ${formatBytes(cap)} cap (at least ${formatBytes(bytes)} received); ` +
        `if this peer really sends replies that large, raise the reply cap`,
      this.url,
      "ETOOLARGE",
    );
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

/** The kind of a transport-level failure. */
function kindOfError(err: Error): ErrorKind {
  if (err instanceof TransportError) return kindOfCode(err.code, err.message);
  if (err instanceof HttpError) return err.status === 401 ? "auth" : err.status === 403 ? "permission" : "protocol";
  return "protocol";
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / (1024 * 1024)).toFixed(1)} MiB` : `${n} bytes`;
}
