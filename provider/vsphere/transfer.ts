/**
 * HTTP transfers beside the vim session (NFC disk downloads, guest file transfers). The session
 * cookie is a credential: it travels only over https, to a host checked under the same TLS policy
 * as vCenter (vCenter's CA/pin/insecure choice, or the thumbprint vCenter itself gave for the
 * host). An `http://` URL — whatever a lease or a peer says — never gets it.
 */
import type * as http from "node:http";
import { createAgent, type TlsOptions } from "../soap";
import type { VimClient } from "./session";

/** Where a transfer goes: the URL, its TLS policy and headers (the session cookie over https only). */
export interface TransferEndpoint {
  url: string;
  tls: TlsOptions;
  headers: Record<string, string>;
}

export interface TransferTarget extends TransferEndpoint {
  agent: http.Agent;
}

/** Replaces a `*` host (ESXi/vcsim) with the SDK's host:port, keeping scheme and path. */
export function resolveNfcUrl(url: string, sdkHost: string): string {
  return url.replace(/^(https?:\/\/)\*(:\d+)?(?=\/)/, (_m, scheme: string) => `${scheme}${sdkHost}`);
}

/** Whether the session cookie may go to this (resolved) transfer URL. */
export function mayCarrySessionCookie(url: string): boolean {
  return new URL(url).protocol === "https:";
}

/** The URL, TLS policy and headers for one transfer (a client that opens its own connection). */
export function transferEndpoint(c: VimClient, rawUrl: string, sslThumbprint?: string): TransferEndpoint {
  const url = resolveNfcUrl(rawUrl, c.host);
  const tls = sslThumbprint ? { thumbprint: sslThumbprint } : c.tls;
  const cookie = c.cookieHeader();
  const headers: Record<string, string> = cookie && mayCarrySessionCookie(url) ? { Cookie: cookie } : {};
  return { url, tls, headers };
}

/** The same with an agent carrying the TLS policy; the caller destroys the agent. */
export function transferTarget(c: VimClient, rawUrl: string, sslThumbprint?: string): TransferTarget {
  const e = transferEndpoint(c, rawUrl, sslThumbprint);
  return { ...e, agent: createAgent(e.url, e.tls) };
}
