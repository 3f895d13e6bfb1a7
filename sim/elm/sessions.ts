/** Login sessions: a token (header) and a cookie per login, an idle timeout, and forced expiry. */
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

export type AuthMode = "token" | "cookie" | "either" | "both";

export interface SimSession {
  user: string;
  token: string;
  cookie: string;
  lastUsed: number;
}

export class SessionStore {
  private readonly byToken = new Map<string, SimSession>();

  constructor(
    readonly mode: AuthMode,
    readonly cookieName: string,
    private readonly idleMs: number,
  ) {}

  create(user: string): SimSession {
    const s: SimSession = { user, token: randomUUID(), cookie: randomBytes(12).toString("hex"), lastUsed: Date.now() };
    this.byToken.set(s.token, s);
    return s;
  }

  /** The session the request authenticates as under the configured mode, or undefined. */
  authenticate(req: IncomingMessage): SimSession | undefined {
    const token = tokenOf(req);
    const cookie = cookieOf(req, this.cookieName);
    const byToken = token ? this.live(this.byToken.get(token)) : undefined;
    const byCookie = cookie ? this.live([...this.byToken.values()].find((s) => s.cookie === cookie)) : undefined;
    let s: SimSession | undefined;
    if (this.mode === "token") s = byToken;
    else if (this.mode === "cookie") s = byCookie;
    else if (this.mode === "either") s = byToken ?? byCookie;
    else s = byToken && byToken === byCookie ? byToken : undefined;
    if (s) s.lastUsed = Date.now();
    return s;
  }

  remove(s: SimSession): void {
    this.byToken.delete(s.token);
  }

  /** Every session becomes invalid (as after an appliance restart or a timeout). */
  expireAll(): void {
    this.byToken.clear();
  }

  get count(): number {
    return this.byToken.size;
  }

  private live(s: SimSession | undefined): SimSession | undefined {
    if (s && this.idleMs > 0 && Date.now() - s.lastUsed > this.idleMs) {
      this.byToken.delete(s.token);
      return undefined;
    }
    return s;
  }
}

/** The token header in any casing (`UNIDESK_TOKEN`, `Unidesk_token`, …); Node lower-cases names. */
export function tokenOf(req: IncomingMessage): string | undefined {
  const v = req.headers["unidesk_token"] ?? req.headers["unidesk-token"];
  return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
}

export function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim().replace(/^"|"$/g, "");
  }
  return undefined;
}
