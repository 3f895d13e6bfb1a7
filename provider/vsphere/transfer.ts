/**
 * HTTP transfers beside the vim session (NFC disk downloads, guest file transfers). The session
 * cookie is a credential: it travels only over https, to a host checked under the same TLS policy
 * as vCenter (vCenter's CA/pin/insecure choice, or the thumbprint vCenter itself gave for the
 * host). An `http://` URL — whatever a lease or a peer says — never gets it.
 */
import type * as http from "node:http";
import { createAgent } from "../soap";
import type { VimClient } from "./session";

export interface TransferTarget {
  url: string;
  agent: http.Agent;
  headers: Record<string, string>;
}

/** Replaces a `*` host (ESXi/vcsim) with the SDK's host:port, keeping scheme and path. */
export function resolveNfcUrl(url: string, sdkHost: string): string {
  return url.replace(/^(https?:\/\/)\*(:\d+)?(?=\/)/, (_m, scheme: string) => `${scheme}${sdkHost}`);
}

/** Whether the session cookie may go to this (resolved) transfer URL. */
export function mayCarrySessionCookie(url: string): boolean {
  return new URL(url).protocol === "https:";
}

/** The URL, agent (TLS policy) and headers for one transfer; the caller destroys the agent. */
export function transferTarget(c: VimClient, rawUrl: string, sslThumbprint?: string): TransferTarget {
  const url = resolveNfcUrl(rawUrl, c.host);
  const agent = createAgent(url, sslThumbprint ? { thumbprint: sslThumbprint } : c.tls);
  const cookie = c.cookieHeader();
  const headers: Record<string, string> = cookie && mayCarrySessionCookie(url) ? { Cookie: cookie } : {};
  return { url, agent, headers };
}
