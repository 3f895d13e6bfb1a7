/**
 * A per-endpoint cookie jar. Values are echoed exactly as received, quotes included: vCenter
 * sends `vmware_soap_session="…"` and rejects the value without its quotes.
 */
import { inspect } from "node:util";

export class CookieJar {
  // Session cookies are credentials: logging or serializing a jar shows their names only.
  [inspect.custom](): string {
    return `CookieJar { ${[...this.cookies.keys()].map((k) => `${k}=***`).join(", ")} }`;
  }
  toJSON(): object {
    return Object.fromEntries([...this.cookies.keys()].map((k) => [k, "***"]));
  }

  private readonly cookies = new Map<string, string>();

  /** Stores the `name=value` part of each Set-Cookie header. */
  store(setCookie: string | string[] | undefined): void {
    for (const line of ([] as string[]).concat(setCookie ?? [])) {
      const pair = line.split(";")[0];
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** The Cookie request header, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  clear(): void {
    this.cookies.clear();
  }
}
