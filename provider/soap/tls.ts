/**
 * TLS policy shared by every HTTPS client of the product: verify against the system store or a
 * CA bundle by default; or pin the server certificate's SHA-1/SHA-256 thumbprint (what vSphere
 * admins copy from the vCenter UI); or, only when explicitly asked, skip verification.
 */
import * as http from "node:http";
import * as https from "node:https";
import * as tls from "node:tls";
import type { Duplex } from "node:stream";

export interface TlsOptions {
  /** PEM CA bundle the server certificate must chain to. */
  ca?: string | Buffer;
  /** SHA-1 or SHA-256 thumbprint of the server certificate (hex, colons optional). */
  thumbprint?: string;
  /** Accept any certificate. Never the default. */
  insecure?: boolean;
}

/** Normalizes a thumbprint to upper-case hex without separators. */
export function normalizeThumbprint(t: string): string {
  return t.replace(/[^0-9a-fA-F]/g, "").toUpperCase();
}

/** Whether a peer certificate matches a pinned SHA-1 (40 hex) or SHA-256 (64 hex) thumbprint. */
export function matchesThumbprint(cert: tls.PeerCertificate, pinned: string): boolean {
  const want = normalizeThumbprint(pinned);
  const have = want.length === 40 ? cert.fingerprint : cert.fingerprint256;
  return !!have && normalizeThumbprint(have) === want;
}

/**
 * A TLS connection under the policy: a pinned thumbprint is checked as the handshake ends (the
 * socket is destroyed with ERR_THUMBPRINT_MISMATCH before anyone may write to it); otherwise the
 * chain and name are verified against the CA bundle or the system store, unless `insecure`.
 */
export function connectTls(options: tls.ConnectionOptions, policy: TlsOptions): tls.TLSSocket {
  const pinned = policy.thumbprint;
  if (!pinned) return tls.connect({ ...options, ca: policy.ca ?? options.ca, rejectUnauthorized: !policy.insecure });
  const socket = tls.connect({ ...options, rejectUnauthorized: false });
  socket.once("secureConnect", () => {
    if (!matchesThumbprint(socket.getPeerCertificate(), pinned)) {
      const err = Object.assign(
        new Error(
          `server certificate of ${options.host ?? "the server"} does not match the pinned thumbprint; ` +
            `check the thumbprint setting or the server you connect to`,
        ),
        { code: "ERR_THUMBPRINT_MISMATCH" },
      );
      socket.destroy(err);
    }
  });
  return socket;
}

class PinningAgent extends https.Agent {
  constructor(
    opts: https.AgentOptions,
    private readonly pinned: string,
  ) {
    super({ ...opts, rejectUnauthorized: false });
  }

  override createConnection(options: tls.ConnectionOptions, cb?: (err: Error | null, s: Duplex) => void): Duplex {
    const socket = connectTls(options, { thumbprint: this.pinned });
    if (cb) socket.once("secureConnect", () => cb(null, socket));
    return socket;
  }
}

/** A keep-alive agent for `url` honouring the TLS policy. */
export function createAgent(url: string, opts: TlsOptions = {}): http.Agent {
  const base = { keepAlive: true, maxSockets: 16 };
  if (new URL(url).protocol === "http:") return new http.Agent(base);
  if (opts.thumbprint) return new PinningAgent(base, opts.thumbprint);
  return new https.Agent({ ...base, ca: opts.ca, rejectUnauthorized: !opts.insecure });
}
