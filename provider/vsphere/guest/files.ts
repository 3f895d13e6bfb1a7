/**
 * Guest file transfers: InitiateFileTransferToGuest/FromGuest give a one-use URL whose host is
 * `*` on ESXi; it is replaced by the address the client reached vSphere at (as govmomi does),
 * and the PUT/GET runs under the session's TLS policy. The URL is its own ticket, so the session
 * cookie is not sent. Bodies stream (memory does not grow with the file); sizes are capped; an
 * upload that fails in transit (large ones do, now and then, with a TLS EOF) is retried with a
 * fresh URL.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { Readable, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { HttpError, createAgent, redact, sleep, streamGet } from "../../soap";
import { resolveNfcUrl } from "../transfer";
import type { GuestClient } from "./client";
import { GuestOperationError } from "./errors";

/** Largest file uploaded to a guest by default: 4 GiB. */
export const MAX_UPLOAD_BYTES = 4 * 1024 * 1024 * 1024;
/** Largest file read back from a guest into memory (logs, exit codes), by default: 4 MiB. */
export const MAX_TEXT_BYTES = 4 * 1024 * 1024;
/** A transfer whose socket stays idle this long fails, in ms. */
const IDLE_MS = 120_000;

export interface UploadSource {
  /** A local file path, or the bytes themselves. */
  file?: string;
  data?: Buffer | string;
}

export interface UploadOptions {
  overwrite?: boolean;
  /** Attempts in all (default 3). */
  attempts?: number;
  maxBytes?: number;
}

function where(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** PUTs one body stream; resolves on 2xx. */
function put(url: string, agent: http.Agent, size: number, body: () => Readable, secrets: string[]): Promise<void> {
  const u = new URL(url);
  const mod = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method: "PUT", agent, headers: { "Content-Length": size, "Content-Type": "application/octet-stream" }, timeout: IDLE_MS }, (res) => {
      const status = res.statusCode ?? 0;
      let snippet = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        if (snippet.length < 200) snippet += d;
      });
      res.on("end", () => (status >= 200 && status < 300 ? resolve() : reject(new HttpError(status, where(url), redact(snippet.trim().slice(0, 200), secrets)))));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error(`no progress within ${IDLE_MS} ms`), { code: "ETIMEDOUT" })));
    req.on("error", (e) => reject(new Error(`PUT ${where(url)} failed: ${redact(e.message, secrets)}`)));
    const src = body();
    src.on("error", (e) => req.destroy(e));
    src.pipe(req);
  });
}

/** Uploads a local file (or bytes) to `guestPath`, creating nothing else; retried on transport failures. */
export async function uploadToGuest(g: GuestClient, guestPath: string, src: UploadSource, opts: UploadOptions = {}): Promise<void> {
  const size = src.file !== undefined ? fs.statSync(src.file).size : Buffer.byteLength(src.data ?? "");
  const cap = opts.maxBytes ?? MAX_UPLOAD_BYTES;
  if (size > cap) throw new Error(`${src.file ?? guestPath} is ${size} bytes, more than the ${cap} bytes a guest upload may carry`);
  const body = () => (src.file !== undefined ? fs.createReadStream(src.file) : Readable.from([Buffer.from(src.data ?? "")]));
  const attempts = opts.attempts ?? 3;
  for (let i = 1; ; i++) {
    const raw = await g.initiateTransferToGuest(guestPath, size, opts.overwrite ?? true);
    const url = resolveNfcUrl(raw, g.vim.host);
    const agent = createAgent(url, g.vim.tls);
    try {
      await put(url, agent, size, body, g.secrets());
      return;
    } catch (err) {
      // A refusal with a status is an answer, not a glitch: do not retry it.
      if (err instanceof HttpError || i >= attempts) {
        throw new GuestOperationError("", `uploading ${guestPath} to VM ${g.vmName} failed after ${i} attempt(s): ${err instanceof Error ? err.message : String(err)}`);
      }
      await sleep(500 * i);
    } finally {
      agent.destroy();
    }
  }
}

/** Streams a guest file into `dest`; refuses files larger than `maxBytes`. Returns the byte count. */
export async function downloadFromGuest(g: GuestClient, guestPath: string, dest: Writable, maxBytes: number): Promise<number> {
  const info = await g.initiateTransferFromGuest(guestPath);
  if (info.size > maxBytes) throw new Error(`${guestPath} in VM ${g.vmName} is ${info.size} bytes, more than the ${maxBytes} bytes read back`);
  const url = resolveNfcUrl(info.url, g.vim.host);
  const agent = createAgent(url, g.vim.tls);
  try {
    const res = await streamGet(url, { agent, idleTimeoutMs: IDLE_MS, secrets: g.secrets() });
    let n = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        n += chunk.length;
        if (n > maxBytes) return cb(new Error(`${guestPath} in VM ${g.vmName} sent more than ${maxBytes} bytes`));
        cb(null, chunk);
      },
    });
    await pipeline(res, counter, dest);
    return n;
  } finally {
    agent.destroy();
  }
}

/** A guest file's text (UTF-8, or UTF-16LE with a BOM as PowerShell writes), at most `maxBytes`. */
export async function readGuestText(g: GuestClient, guestPath: string, maxBytes = MAX_TEXT_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      chunks.push(c);
      cb();
    },
  });
  await downloadFromGuest(g, guestPath, sink, maxBytes);
  const b = Buffer.concat(chunks);
  if (b[0] === 0xff && b[1] === 0xfe) return b.subarray(2).toString("utf16le");
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString("utf8");
  return b.toString("utf8");
}

/** The text of a guest file, or undefined when it does not exist. */
export async function readGuestTextIfAny(g: GuestClient, guestPath: string, maxBytes = MAX_TEXT_BYTES): Promise<string | undefined> {
  try {
    return await readGuestText(g, guestPath, maxBytes);
  } catch (err) {
    if ((err as { faultType?: string }).faultType === "FileNotFound") return undefined;
    throw err;
  }
}
