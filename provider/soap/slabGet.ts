/**
 * A GET for a body of gigabytes (an NFC disk download) without Node's HTTP client. Through
 * `https.get` every TLS record (about 13 KiB from vSphere) is a fresh allocation, a parser run,
 * a copy of the body and a stream event: 80,000 of each per GiB, which cost 0.7 CPU-seconds per
 * GiB more than this. Here the socket reads into large slabs (net/tls `onread`), the response
 * head and the body's framing (Content-Length or chunked) are read in place, and the body goes
 * on as views of the slab of up to 1 MiB each: no copy, one stream event per MiB.
 *
 * Everything from the peer is bounded: the head (64 KiB), a chunk-size line, the trailers, the
 * body (maxBytes), and the time between reads (idleTimeoutMs). The connection is used for this
 * one request and closed.
 */
import * as net from "node:net";
import { Readable } from "node:stream";
import { lend } from "../lending";
import { HttpError, TransportError, redact } from "./errors";
import { connectTls, type TlsOptions } from "./tls";

export interface SlabGetOptions {
  /** TLS policy for https (CA, pinned thumbprint or insecure). */
  tls?: TlsOptions;
  headers?: Record<string, string>;
  /** Fail when no bytes come for this long, in milliseconds (default 120 000). */
  idleTimeoutMs?: number;
  /** Aborts the request and destroys the response stream. */
  signal?: AbortSignal;
  /** Values that must never appear in an error message. */
  secrets?: ReadonlyArray<string | undefined>;
  /** The most body bytes accepted; a longer body fails the download (an `oversize` error). */
  maxBytes?: number;
  /**
   * Lend the body's chunks (lending.ts): a slab is read into again once every chunk of it came
   * back. Only for a reader that passes its chunks to nothing but a sink that gives them back
   * (or copies them at once): copyDisk into an SmbWriteStream.
   */
  lend?: boolean;
}

/** A 2xx response: its status, its headers (names lower-case) and the body as a stream. */
export class SlabResponse extends Readable {
  constructor(
    readonly statusCode: number,
    readonly headers: Record<string, string>,
    private readonly onRead: () => void,
    private readonly onDestroy: () => void,
    /** Slabs read into, fresh and reused (with `lend`), so far: for tests and diagnostics. */
    readonly slabStats: Readonly<{ allocated: number; reused: number }> = { allocated: 0, reused: 0 },
  ) {
    super({ highWaterMark: 4 << 20 });
    // The body may break before its reader listens (it arrives with the head): the error is kept
    // in `errored` for the reader to see, instead of an unheard 'error' ending the process.
    this.on("error", () => undefined);
  }

  override _read(): void {
    this.onRead();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.onDestroy();
    callback(error);
  }
}

const SLAB = 4 << 20;
/** A slab with less room than this is left for a fresh one. */
const MIN_ROOM = 64 << 10;
/** Slabs kept for reuse by one download (what 8 MiB of WRITEs in flight and the stream's buffer hold, and some). */
const MAX_FREE = 6;
/** Body bytes handed on at once (a slab's contiguous views are joined up to this). */
const FLUSH = 1 << 20;
const MAX_HEAD = 64 << 10;
const MAX_LINE = 4 << 10;
const SNIPPET = 200;

type State = "head" | "length" | "size" | "data" | "dataEnd" | "trailers" | "eof" | "done";

/**
 * GETs `url`; resolves with the response for a 2xx status once its head arrived. Other statuses
 * reject with HttpError (a short, redacted snippet of the body kept); a connection that fails,
 * times out or breaks before the head rejects with TransportError. After that, failures (a
 * reset, a cut-short body, a stall, a body over maxBytes) surface on the stream.
 */
export function slabGet(url: string, opts: SlabGetOptions = {}): Promise<SlabResponse> {
  const u = new URL(url);
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new Error(`slabGet: ${u.protocol} URLs are not supported`);
  const clean = (s: string) => redact(s, opts.secrets ?? []);
  const where = `${u.protocol}//${u.host}${u.pathname.replace(/\/[^/]{16,}\//, "/…/")}`;
  const idleMs = opts.idleTimeoutMs ?? 120_000;
  const maxBytes = opts.maxBytes ?? Number.MAX_SAFE_INTEGER;

  return new Promise((resolve, reject) => {
    // Lent chunks out per slab; a slab the socket has left and whose chunks all came back is reused.
    // Weak: a slab whose chunks went to a sink that never gives back is left to the collector.
    const out = new WeakMap<Buffer, number>();
    const free: Buffer[] = [];
    const back = (s: Buffer): void => {
      const left = (out.get(s) ?? 1) - 1;
      if (left > 0) out.set(s, left);
      else if (out.delete(s) && s !== slab && free.length < MAX_FREE) free.push(s);
    };
    const retire = (s: Buffer): void => {
      if (!out.has(s) && free.length < MAX_FREE && opts.lend) free.push(s);
    };
    const stats = { allocated: 1, reused: 0 };
    let slab: Buffer = Buffer.allocUnsafeSlow(SLAB);
    let at = 0;
    // The body bytes [pendStart, pendEnd) of the current slab not yet handed on.
    let pendStart = 0;
    let pendEnd = 0;
    let state: State = "head";
    let head = "";
    let line = "";
    let remaining = 0;
    let bodyBytes = 0;
    let status = 0;
    let res: SlabResponse | undefined;
    let snippet = "";
    let settled = false;
    let over = false;
    let paused = false;

    const port = Number(u.port) || (u.protocol === "https:" ? 443 : 80);
    const host = u.hostname.replace(/^\[|\]$/g, "");
    const onread = {
      buffer: () => {
        if (SLAB - at < MIN_ROOM) {
          flush();
          const old = slab;
          const again = free.pop();
          stats[again ? "reused" : "allocated"]++;
          slab = again ?? Buffer.allocUnsafeSlow(SLAB);
          retire(old);
          at = pendStart = pendEnd = 0;
        }
        return slab.subarray(at);
      },
      callback: (n: number) => {
        const from = at;
        at += n;
        try {
          consume(from, at);
        } catch (e) {
          fail(e instanceof Error ? e : new Error(String(e)));
          return false;
        }
        if (state === "done") finish();
        return !paused;
      },
    };
    const connectOpts = { host, port, onread, ...(net.isIP(host) ? {} : { servername: host }) };
    const socket: net.Socket = u.protocol === "https:" ? connectTls(connectOpts, opts.tls ?? {}) : net.connect(connectOpts);
    socket.setTimeout(idleMs);
    const connected = u.protocol === "https:" ? "secureConnect" : "connect";
    socket.once(connected, () => {
      if (socket.destroyed) return;
      const lines = [`GET ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, "Connection: close", ...Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}`)];
      socket.write(lines.join("\r\n") + "\r\n\r\n");
    });

    const onAbort = () => fail(opts.signal?.reason instanceof Error ? opts.signal.reason : new Error("the download was aborted"));
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    socket.on("timeout", () => fail(Object.assign(new Error(`no data within ${idleMs} ms`), { code: "ETIMEDOUT" })));
    socket.on("error", (e: Error & { code?: string }) => fail(e));
    socket.on("end", () => {
      if (state === "eof") {
        state = "done";
        finish();
      } else fail(Object.assign(new Error(`the connection closed after ${bodyBytes} body bytes, before the response ended`), { code: "ECONNRESET" }));
    });
    socket.on("close", () => {
      fail(Object.assign(new Error(`the connection closed after ${bodyBytes} body bytes, before the response ended`), { code: "ECONNRESET" }));
    });

    function consume(from: number, to: number): void {
      let p = from;
      while (p < to && state !== "done") {
        if (state === "head") {
          // The head is latin1 text; it is kept as a string only until its blank line.
          const take = Math.min(to - p, MAX_HEAD + 4 - head.length);
          const before = head.length;
          head += slab.toString("latin1", p, p + take);
          const end = head.indexOf("\r\n\r\n");
          if (end < 0) {
            if (head.length > MAX_HEAD) throw new TransportError(`GET ${where}: the response head is over ${MAX_HEAD} bytes; refused`, where, "EPROTO");
            p += take;
            continue;
          }
          p += end + 4 - before;
          onHead(head.slice(0, end));
          continue;
        }
        if (state === "length" || state === "data" || state === "eof") {
          const n = state === "eof" ? to - p : Math.min(to - p, remaining);
          body(p, p + n);
          p += n;
          if (state !== "eof") {
            remaining -= n;
            if (remaining === 0) state = state === "length" ? "done" : "dataEnd";
          }
          continue;
        }
        // Chunked framing: a size line, the data, CRLF; a zero size, trailers, a blank line.
        const nl = slab.indexOf(10, p);
        const stop = nl >= 0 && nl < to ? nl + 1 : to;
        line += slab.toString("latin1", p, stop);
        p = stop;
        if (line.length > MAX_LINE) throw new TransportError(`GET ${where}: a chunk line of the response is over ${MAX_LINE} bytes; refused`, where, "EPROTO");
        if (!line.endsWith("\n")) continue;
        const text = line.replace(/\r?\n$/, "");
        line = "";
        if (state === "dataEnd") {
          if (text !== "") throw new TransportError(`GET ${where}: a chunk of the response does not end with CRLF; refused`, where, "EPROTO");
          state = "size";
        } else if (state === "size") {
          const m = /^([0-9a-fA-F]{1,12})[ \t]*(;.*)?$/.exec(text);
          if (!m) throw new TransportError(`GET ${where}: bad chunk size line in the response; refused`, where, "EPROTO");
          remaining = parseInt(m[1], 16);
          state = remaining === 0 ? "trailers" : "data";
        } else if (text === "") {
          state = "done"; // the blank line after the trailers
        }
      }
    }

    function onHead(text: string): void {
      const [statusLine, ...rest] = text.split("\r\n");
      const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
      if (!m) throw new TransportError(`GET ${where}: the server did not answer with HTTP/1.x; refused`, where, "EPROTO");
      status = Number(m[1]);
      const headers: Record<string, string> = {};
      for (const h of rest) {
        const i = h.indexOf(":");
        if (i <= 0) throw new TransportError(`GET ${where}: a malformed header line in the response; refused`, where, "EPROTO");
        const name = h.slice(0, i).trim().toLowerCase();
        const value = h.slice(i + 1).trim();
        headers[name] = headers[name] !== undefined ? `${headers[name]}, ${value}` : value;
      }
      const te = headers["transfer-encoding"]?.toLowerCase();
      const cl = headers["content-length"];
      if (te !== undefined && te !== "chunked") throw new TransportError(`GET ${where}: transfer-encoding "${te}" is not supported`, where, "EPROTO");
      if (te === "chunked") state = "size";
      else if (cl !== undefined) {
        if (!/^\d{1,15}$/.test(cl)) throw new TransportError(`GET ${where}: bad Content-Length "${cl.slice(0, 40)}"; refused`, where, "EPROTO");
        remaining = Number(cl);
        state = remaining === 0 ? "done" : "length";
      } else state = "eof";
      if (status < 200 || status >= 300) return; // the body becomes the error's snippet
      if (cl !== undefined && Number(cl) > maxBytes) throw oversize(Number(cl));
      res = new SlabResponse(
        status,
        headers,
        () => {
          if (paused) {
            paused = false;
            socket.resume();
          }
        },
        () => {
          over = true;
          socket.destroy();
        },
        stats,
      );
      settled = true;
      resolve(res);
    }

    function body(s: number, e: number): void {
      if (e === s) return;
      bodyBytes += e - s;
      if (!res) {
        snippet += slab.toString("utf8", s, Math.min(e, s + SNIPPET));
        if (snippet.length >= SNIPPET) state = "done"; // enough to say what went wrong
        return;
      }
      if (bodyBytes > maxBytes) throw oversize(bodyBytes);
      if (s !== pendEnd) flush();
      if (pendStart === pendEnd) pendStart = s;
      pendEnd = e;
      if (pendEnd - pendStart >= FLUSH) flush();
    }

    function flush(): void {
      while (pendEnd > pendStart) {
        const view = slab.subarray(pendStart, Math.min(pendEnd, pendStart + FLUSH));
        pendStart += view.length;
        if (opts.lend) {
          const s = slab;
          out.set(s, (out.get(s) ?? 0) + 1);
          lend(view, () => back(s));
        }
        if (res && !res.destroyed && !res.push(view)) paused = true;
      }
    }

    function oversize(n: number): Error {
      return Object.assign(new Error(`the server sent more than the ${maxBytes} bytes this download may have (${n} so far); refused`), { oversize: true, code: "EOVERSIZE" });
    }

    function finish(): void {
      if (over) return;
      over = true;
      opts.signal?.removeEventListener("abort", onAbort);
      if (!res) {
        if (!settled) {
          settled = true;
          reject(new HttpError(status, where, clean(snippet.replace(/\s+/g, " ").trim().slice(0, SNIPPET))));
        }
        socket.destroy();
        return;
      }
      flush();
      res.push(null);
      socket.destroy();
    }

    function fail(e: Error & { code?: string }): void {
      if (over) return;
      over = true;
      state = "done";
      opts.signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      if (!settled) {
        settled = true;
        const own = e instanceof TransportError || (e as { oversize?: boolean }).oversize === true || e === opts.signal?.reason;
        reject(own ? e : new TransportError(`GET ${where} failed: ${clean(e.message)}`, where, e.code));
        return;
      }
      if (!res || res.destroyed) return;
      // What came before the break is handed on first (a flowing reader gets it at once, as
      // 'data'; bytes still buffered in a paused stream go with it): a resume continues after it.
      flush();
      res.destroy(Object.assign(new Error(clean(e.message)), { code: e.code, oversize: (e as { oversize?: boolean }).oversize }));
    }
  });
}
