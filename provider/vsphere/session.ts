/**
 * The vim25 session: ServiceContent, Login/Logout, and `invoke` for every other module.
 * The session cookie is echoed exactly as received (soap/CookieJar); on NotAuthenticated the
 * client logs in once more and retries the call once. TLS is verified by default (CA bundle or
 * pinned thumbprint); `insecure` only when asked.
 */
import { SoapTransport, TlsOptions, XmlContent, XmlElement, buildEnvelope, child, el } from "../soap";
import { decodeObject } from "./decode";
import { NotAuthenticatedError, toVimFault } from "./faults";
import { retrieveProperties } from "./properties";
import type { MoRef } from "./types";
import { moref } from "./wire";
import { Relogin } from "../sessions/relogin";

export const VIM25_NS = "urn:vim25";

export interface VimClientOptions {
  /** vCenter URL: `https://vc.example.com/sdk` (the `/sdk` path is added when missing) or a host name. */
  url: string;
  user: string;
  password: string;
  /** TLS policy: CA bundle, pinned SHA-1/SHA-256 thumbprint, or insecure (never the default). */
  tls?: TlsOptions;
  /** Deadline of each whole request in milliseconds (default 120 000). */
  timeoutMs?: number;
  /** Largest reply accepted, in bytes (default 64 MiB). */
  maxReplyBytes?: number;
  /** Login locale (default en_US). */
  locale?: string;
}

/** The parts of ServiceContent the client uses. */
export interface ServiceContent {
  rootFolder: MoRef;
  propertyCollector: MoRef;
  viewManager: MoRef;
  searchIndex: MoRef;
  sessionManager: MoRef;
  ovfManager?: MoRef;
  fileManager?: MoRef;
  virtualDiskManager?: MoRef;
  guestOperationsManager?: MoRef;
  about: { apiVersion: string; apiType: string; version: string; fullName: string };
}

/** Something that can call vim methods; the property collector and tests only need this. */
export interface VimInvoker {
  /** `deadline` (ms since the epoch) is the caller's wait; it cuts the request's own timeout short. */
  invoke(method: string, self: MoRef, params?: XmlContent, check?: (payload: XmlElement) => void, deadline?: number): Promise<XmlElement>;
}

export function normalizeSdkUrl(url: string): string {
  const u = new URL(/^[a-z]+:\/\//i.test(url) ? url : `https://${url}`);
  if (u.pathname === "/" || u.pathname === "") u.pathname = "/sdk";
  return u.toString();
}

/** Credentials live outside the instance, so logging or serializing a client cannot show them. */
const credentials = new WeakMap<VimClient, { user: string; password: string }>();

export class VimClient implements VimInvoker {
  readonly url: string;
  readonly transport: SoapTransport;
  readonly tls: TlsOptions;
  private content?: ServiceContent;
  private soapAction = "urn:vim25/6.5";
  private readonly locale: string;
  private loggedIn = false;
  private readonly relogin = new Relogin(() => this.login());
  /** Number of successful logins (the first one plus re-logins); for diagnostics and tests. */
  loginCount = 0;

  private constructor(opts: VimClientOptions) {
    this.url = normalizeSdkUrl(opts.url);
    credentials.set(this, { user: opts.user, password: opts.password });
    this.locale = opts.locale ?? "en_US";
    this.tls = opts.tls ?? {};
    this.transport = new SoapTransport({
      url: this.url,
      tls: opts.tls,
      timeoutMs: opts.timeoutMs,
      maxReplyBytes: opts.maxReplyBytes,
      peer: "vsphere",
      secrets: () => this.secrets(),
    });
  }

  /** Retrieves ServiceContent and logs in. */
  static async connect(opts: VimClientOptions): Promise<VimClient> {
    const c = new VimClient(opts);
    try {
      await c.retrieveServiceContent();
      await c.login();
    } catch (e) {
      c.close();
      throw e;
    }
    return c;
  }

  get serviceContent(): ServiceContent {
    if (!this.content) throw new Error(`not connected to ${this.url}: call VimClient.connect()`);
    return this.content;
  }

  /** `host[:port]` of the SDK URL, used for `*` in NFC URLs. */
  get host(): string {
    return new URL(this.url).host;
  }

  /** The Cookie header for NFC/datastore HTTP requests in this session. */
  cookieHeader(): string | undefined {
    return this.transport.cookies.header();
  }

  /**
   * The secret values errors and trace lines must never show: the password, and the session
   * cookie quoted as vCenter sends it and bare (vcsim's cookie is the session key the body shows).
   */
  secrets(): string[] {
    const cookie = this.sessionCookie() ?? "";
    return [credentials.get(this)?.password ?? "", cookie, cookie.replace(/^"|"$/g, "")].filter((s) => s.length > 0);
  }

  private sessionCookie(): string | undefined {
    return this.transport.cookies.get("vmware_soap_session");
  }

  private async retrieveServiceContent(): Promise<void> {
    const si: MoRef = { type: "ServiceInstance", value: "ServiceInstance" };
    const payload = await this.call("RetrieveServiceContent", si);
    const rv = decodeObject(child(payload, "returnval")!);
    const ref = (k: string): MoRef | undefined => {
      const v = rv[k];
      return v && typeof v === "object" && !Array.isArray(v) && "value" in v ? (v as MoRef) : undefined;
    };
    const about = (rv.about ?? {}) as Record<string, unknown>;
    const need = (k: string): MoRef => {
      const r = ref(k);
      if (!r) throw new Error(`ServiceContent from ${this.url} has no ${k}; is this a vCenter or ESXi SDK endpoint?`);
      return r;
    };
    this.content = {
      rootFolder: need("rootFolder"),
      propertyCollector: need("propertyCollector"),
      viewManager: need("viewManager"),
      searchIndex: need("searchIndex"),
      sessionManager: need("sessionManager"),
      ovfManager: ref("ovfManager"),
      fileManager: ref("fileManager"),
      virtualDiskManager: ref("virtualDiskManager"),
      guestOperationsManager: ref("guestOperationsManager"),
      about: {
        apiVersion: String(about.apiVersion ?? ""),
        apiType: String(about.apiType ?? ""),
        version: String(about.version ?? ""),
        fullName: String(about.fullName ?? ""),
      },
    };
    if (this.content.about.apiVersion) this.soapAction = `urn:vim25/${this.content.about.apiVersion}`;
  }

  private async login(): Promise<void> {
    const cred = credentials.get(this)!;
    this.transport.cookies.clear();
    await this.call("Login", this.serviceContent.sessionManager, [
      el("userName", cred.user),
      el("password", cred.password),
      el("locale", this.locale),
    ]);
    this.loggedIn = true;
    this.loginCount++;
  }

  /**
   * Calls a vim method and returns its `<MethodResponse>` element. Faults become typed
   * VimFault errors; a NotAuthenticated fault (or one `check` throws) triggers one re-login
   * and one retry.
   */
  async invoke(method: string, self: MoRef, params?: XmlContent, check?: (payload: XmlElement) => void, deadline?: number): Promise<XmlElement> {
    const once = async () => {
      const payload = await this.call(method, self, params, deadline);
      check?.(payload);
      return payload;
    };
    // Concurrent callers that meet the same expiry share one Login.
    return this.relogin.call(once, (e) => e instanceof NotAuthenticatedError && this.loggedIn);
  }

  private async call(method: string, self: MoRef, params?: XmlContent, deadline?: number): Promise<XmlElement> {
    const body = el(method, [moref("_this", self), params], { xmlns: VIM25_NS });
    const operation = `${method} on ${self.type}:${self.value} at ${this.host}`;
    try {
      const reply = await this.transport.call(this.soapAction, buildEnvelope(body), {}, deadline);
      if (!reply.payload) throw new Error(`${operation}: the reply has an empty SOAP Body`);
      return reply.payload;
    } catch (e) {
      throw toVimFault(e, operation, this.secrets());
    }
  }

  /** The current session's key (UserSession.key); useful to tell sessions apart. */
  async sessionKey(): Promise<string | undefined> {
    const oc = await retrieveProperties(this, this.serviceContent.sessionManager, ["currentSession"]);
    const s = oc.props.currentSession as Record<string, unknown> | undefined;
    return typeof s?.key === "string" ? s.key : undefined;
  }

  /** Ends the session (ignores a session that is already gone) and closes sockets; `deadline` bounds the Logout. */
  async logout(deadline?: number): Promise<void> {
    try {
      if (this.loggedIn && this.content) await this.call("Logout", this.content.sessionManager, undefined, deadline);
    } catch {
      // already logged out or unreachable: nothing left to end
    } finally {
      this.loggedIn = false;
      this.close();
    }
  }

  /** Closes idle keep-alive sockets without logging out. */
  close(): void {
    this.transport.close();
  }
}
