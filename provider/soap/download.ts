/**
 * A streaming HTTP(S) GET for bulk transfers next to a SOAP session (vSphere NFC disk
 * downloads, datastore files): resolves with the response stream once headers arrive, so the
 * caller pipes it with backpressure and never holds the body in memory.
 */
import * as http from "node:http";
import * as https from "node:https";
import { HttpError, TransportError, redact } from "./errors";

export interface StreamGetOptions {
  /** Agent carrying the TLS policy (see createAgent); one per host/thumbprint. */
  agent: http.Agent;
  headers?: Record<string, string>;
  /** Fail when the socket is idle this long, in milliseconds (default 120 000). */
  idleTimeoutMs?: number;
  /** Aborts the request and destroys the response stream. */
  signal?: AbortSignal;
  /** Values that must never appear in an error message. */
  secrets?: ReadonlyArray<string | undefined>;
}

/**
 * GETs `url` and resolves with the response (a Readable) for any 2xx status. Other statuses
 * reject with HttpError (the body is drained, a short snippet kept); network failures reject
 * with TransportError. Errors while streaming the body surface on the returned stream.
 */
export function streamGet(url: string, opts: StreamGetOptions): Promise<http.IncomingMessage> {
  const u = new URL(url);
  const mod = u.protocol === "https:" ? https : http;
  const clean = (s: string) => redact(s, opts.secrets ?? []);
  const where = `${u.protocol}//${u.host}${u.pathname.replace(/\/[^/]{16,}\//, "/…/")}`;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method: "GET", agent: opts.agent, headers: opts.headers, signal: opts.signal, timeout: opts.idleTimeoutMs ?? 120_000 }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        resolve(res);
        return;
      }
      let snippet = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        if (snippet.length < 200) snippet += d;
      });
      res.on("end", () => reject(new HttpError(status, where, clean(snippet.replace(/\s+/g, " ").trim().slice(0, 200)))));
      res.on("error", () => reject(new HttpError(status, where, "")));
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error(`no data within ${opts.idleTimeoutMs ?? 120_000} ms`), { code: "ETIMEDOUT" })));
    req.on("error", (err: Error & { code?: string }) => reject(new TransportError(`GET ${where} failed: ${clean(err.message)}`, where, err.code)));
    req.end();
  });
}
