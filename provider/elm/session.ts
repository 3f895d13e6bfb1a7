/**
 * An ELM session: Login (XML-escaped credentials), the token header and the session cookie on
 * every call, one transparent re-login when the ELM reports an invalid or expired session, and
 * Logout. Everything above it (layers, revisions, tickets) goes through `call()`.
 */
import { inspect } from "node:util";
import { HttpError, SoapFaultError, SoapTransport, TransportError, XmlContent, XmlElement, child, fields, redact } from "../soap";
import { elmApiUrl } from "./address";
import { ElmError, ElmLoginError, ElmTransportError } from "./errors";
import { Wrapper, requestEnvelope, resultError, soapAction, str } from "./wire";
import { Relogin } from "../sessions/relogin";
import { kindOf, tag } from "../errorKinds";

export interface ElmTlsOptions {
  /** PEM CA bundle the ELM's certificate must chain to (ELMs usually run a self-signed one). */
  ca?: string | Buffer;
  /** Accept any certificate. Never the default; say so explicitly. */
  insecure?: boolean;
}

export interface ElmSessionOptions {
  /** Host name (→ `https://host/Unidesk.Web/API.asmx`) or URL of the ELM. */
  address: string;
  user: string;
  password: string;
  tls?: ElmTlsOptions;
  /** Deadline of each whole request in milliseconds (default 120 000). */
  timeoutMs?: number;
  /** Largest reply accepted, in bytes (default 64 MiB). */
  maxReplyBytes?: number;
  /** Token header name (default `UNIDESK_TOKEN`, as the PowerShell module sends it). */
  tokenHeader?: string;
}

export interface CallOptions {
  /** Do not log in again on a session error (used by Login/Logout themselves). */
  noRelogin?: boolean;
  /**
   * Members of the result that are results themselves (WebResultBase, e.g. the OperationResult
   * of QueryWorkTicketsAsPendingOp): an Error in one of them fails the call like a top-level one.
   */
  nestedResults?: string[];
  /** Absolute deadline (ms since the epoch) of the caller's wait; cuts the request's own timeout short. */
  deadline?: number;
}

export class ElmSession {
  // Logging or serializing a session must never show its password, token or cookie.
  [inspect.custom](): string {
    return `ElmSession { url: ${this.url}, user: ${this.user}, loggedIn: ${this.loggedIn} }`;
  }
  toJSON(): object {
    return { url: this.url, user: this.user, loggedIn: this.loggedIn };
  }

  readonly url: string;
  readonly user: string;
  private readonly transport: SoapTransport;
  private readonly password: string;
  private readonly tokenHeader: string;
  private token: string | undefined;
  private readonly relogin = new Relogin(() => this.doLogin());
  /** Number of successful logins (the first one plus re-logins); for diagnostics and tests. */
  loginCount = 0;

  constructor(opts: ElmSessionOptions) {
    this.url = elmApiUrl(opts.address);
    this.user = opts.user;
    this.password = opts.password;
    this.tokenHeader = opts.tokenHeader ?? "UNIDESK_TOKEN";
    this.transport = new SoapTransport({
      url: this.url,
      tls: { ca: opts.tls?.ca, insecure: opts.tls?.insecure },
      timeoutMs: opts.timeoutMs,
      maxReplyBytes: opts.maxReplyBytes,
      peer: "elm",
      secrets: () => this.secrets(),
    });
  }

  get loggedIn(): boolean {
    return this.token !== undefined;
  }

  /** Logs in (again). Concurrent callers share one Login request. */
  login(): Promise<void> {
    return this.relogin.renew();
  }

  private async doLogin(): Promise<void> {
    this.token = undefined;
    this.transport.cookies.clear();
    const command = fields([
      ["UserName", this.user],
      ["Password", this.password],
      ["Culture", "en-US"],
      ["RememberMe", false],
    ]);
    let result: XmlElement;
    try {
      result = await this.send("Login", "command", command);
    } catch (err) {
      if (err instanceof ElmError) throw new ElmLoginError(this.url, this.user, err.info);
      throw err;
    }
    const token = str(result, "Token");
    if (!token) {
      throw new ElmLoginError(this.url, this.user, { id: "NoToken", title: "", message: "the ELM answered Login without a session token", details: "" });
    }
    this.token = token;
    this.loginCount++;
  }

  /** Ends the session on the ELM (best effort; `deadline` bounds it) and closes idle connections. */
  async logout(deadline?: number): Promise<void> {
    try {
      if (this.token !== undefined) await this.send("Logout", null, undefined, [], deadline);
    } catch {
      // The session is being thrown away; a failed Logout changes nothing for the caller.
    } finally {
      this.token = undefined;
      this.transport.cookies.clear();
      this.transport.close();
    }
  }

  /**
   * Calls an operation and returns its `<Op>Result` element. Logs in first if needed, and once
   * more if the ELM reports an invalid or expired session (the ELM checks the session before
   * acting, so repeating the call is safe for mutations too).
   */
  async call(op: string, wrapper: Wrapper, content?: XmlContent, opts: CallOptions = {}): Promise<XmlElement> {
    if (this.token === undefined) await this.login();
    return this.relogin.call(
      () => this.send(op, wrapper, content, opts.nestedResults, opts.deadline),
      (err) => !opts.noRelogin && err instanceof ElmError && err.isSessionError(),
    );
  }

  /**
   * The password and token in every form a server may echo them: raw, XML-escaped in full
   * (redact adds that), and escaped as element text only (`&` and `<`, optionally `>`).
   */
  private secrets(): string[] {
    const out: string[] = [];
    for (const s of [this.password, this.token]) {
      if (!s) continue;
      const amp = s.replace(/&/g, "&amp;");
      out.push(s, amp.replace(/</g, "&lt;"), amp.replace(/</g, "&lt;").replace(/>/g, "&gt;"));
    }
    return out;
  }

  /** Closes idle keep-alive connections without logging out. */
  close(): void {
    this.transport.close();
  }

  private async send(op: string, wrapper: Wrapper, content: XmlContent, nestedResults: string[] = [], deadline?: number): Promise<XmlElement> {
    const headers: Record<string, string> = {};
    if (this.token !== undefined) headers[this.tokenHeader] = this.token;
    let payload: XmlElement | undefined;
    try {
      const reply = await this.transport.call(soapAction(op), requestEnvelope(op, wrapper, content), headers, deadline);
      payload = reply.payload;
    } catch (err) {
      throw this.transportError(op, err);
    }
    if (!payload || payload.name !== `${op}Response`) {
      throw new ElmTransportError(
        op,
        this.url,
        `ELM ${op} at ${this.url} returned <${payload?.name ?? "nothing"}> instead of ${op}Response/${op}Result; is this address an App Layering ELM?`,
      );
    }
    // The WSDL makes <Op>Result optional (minOccurs 0): a missing one is a null result, read as
    // all defaults (no ticket id, empty lists), not a broken reply.
    const result = child(payload, `${op}Result`) ?? { name: `${op}Result`, ns: payload.ns, attrs: [], children: [], text: "", scope: payload.scope };
    for (const r of [result, ...nestedResults.map((n) => child(result, n))]) {
      const error = r && resultError(r);
      if (error) {
        const clean = (s: string) => redact(s, this.secrets());
        throw new ElmError(op, this.url, { ...error, message: clean(error.message), title: clean(error.title), details: clean(error.details) });
      }
    }
    return result;
  }

  /** The ELM's own error for a transport failure, keeping the transport's kind (errorKinds.ts). */
  private transportError(op: string, err: unknown): Error {
    const e = this.describeTransportError(op, err);
    return tag(e, kindOf(err)?.kind ?? "protocol", "elm");
  }

  private describeTransportError(op: string, err: unknown): Error {
    const clean = (s: string) => redact(s, this.secrets());
    if (err instanceof SoapFaultError) {
      const hint = /Server/i.test(err.faultCode) ? "; the ELM failed to process it: check the appliance's health, then run again" : "";
      return new ElmTransportError(op, this.url, clean(`ELM ${op} at ${this.url}: SOAP fault ${err.faultCode}: ${err.faultString}${hint}`), err.httpStatus, err.faultCode);
    }
    if (err instanceof HttpError) {
      return new ElmTransportError(op, this.url, clean(`ELM ${op}: ${err.message}; check the ELM address and that the appliance is healthy`), err.status);
    }
    if (err instanceof TransportError) {
      const hint = /cert|self.signed|CERT_|UNABLE_TO_VERIFY/i.test(`${err.code} ${err.message}`)
        ? "; give the ELM's CA certificate or, knowingly, turn certificate checks off"
        : "; check the ELM address and network";
      return new ElmTransportError(op, this.url, clean(`ELM ${op}: ${err.message}${hint}`), undefined, undefined, err.code);
    }
    return err instanceof Error ? err : new Error(String(err));
  }
}
