/**
 * Shared pieces of the reliability tests: the engine's re-run rule for a reconciler, the
 * invariants every fault scenario checks (no duplicates, no half-published export, no secret
 * anywhere), and capture of what the providers print.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PartialFailure } from "../../../provider/errors";
import { VimClient, listObjects } from "../../../provider/vsphere";
import type { Reconciler } from "../../harness/reconciler";

export type { Reconciler };

type Props = Record<string, unknown>;

/** The resource as the engine would hold it after an operation: absent, or recorded with outputs. */
export type Recorded = { id: string; outs: Props } | undefined;

/** check() that must pass; returns the checked inputs. */
export async function checked(r: Reconciler, raw: Props): Promise<Props> {
  const res = await r.check({}, raw);
  if ((res.failures ?? []).length > 0) throw new Error(`check failed: ${JSON.stringify(res.failures)}`);
  return res.inputs!;
}

/**
 * One `pulumi up` of one resource, as the engine runs it: create when nothing is recorded,
 * else diff and update. A PartialFailure records the object (the engine keeps its id and
 * properties); any other error records nothing new. Returns what is recorded afterwards and the
 * error, if any.
 */
export async function up(r: Reconciler, recorded: Recorded, raw: Props): Promise<{ recorded: Recorded; error?: Error }> {
  const inputs = await checked(r, raw);
  try {
    if (!recorded) {
      const c = await r.create(inputs);
      return { recorded: { id: c.id, outs: c.outs ?? {} } };
    }
    const d = await r.diff(recorded.id, recorded.outs, inputs);
    if (!d.changes) return { recorded };
    if ((d.replaces ?? []).length > 0) throw new Error(`unexpected replace of ${recorded.id}: ${d.replaces!.join(", ")}`);
    const u = await r.update(recorded.id, recorded.outs, inputs);
    return { recorded: { id: recorded.id, outs: u.outs ?? {} } };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    if (e instanceof PartialFailure) return { recorded: { id: e.id, outs: e.properties }, error: e };
    return { recorded, error: e };
  }
}

/** Lines the providers print on stderr (their progress log, what the engine shows) between start() and stop(). */
export class StderrLog {
  readonly lines: string[] = [];
  private original: typeof process.stderr.write | undefined;

  start(): void {
    if (this.original) return;
    const original = process.stderr.write.bind(process.stderr);
    this.original = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      this.lines.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write;
  }

  stop(): void {
    if (this.original) process.stderr.write = this.original;
    this.original = undefined;
  }

  text(): string {
    return this.lines.join("");
  }
}

/** Fails naming the place when any secret occurs in any of the texts. */
export function expectNoSecret(places: Record<string, unknown>, secrets: string[]): void {
  for (const [where, v] of Object.entries(places)) {
    const text = typeof v === "string" ? v : v instanceof Error ? `${v.message}\n${v.stack ?? ""}\n${JSON.stringify(v)}` : JSON.stringify(v ?? null);
    for (const s of secrets.filter((x) => x.length >= 6)) {
      if (text.includes(s)) throw new Error(`a secret appears in ${where}`);
    }
  }
}

/** The error's message must name what failed and what to do. */
export function expectClearError(err: Error | undefined, what: RegExp, fix: RegExp): void {
  expect(err).toBeDefined();
  expect(err!.message).toMatch(what);
  expect(err!.message).toMatch(fix);
}

/** VMs in vSphere with this name (duplicates show as more than one). */
export async function vmsNamed(vim: VimClient, name: string): Promise<string[]> {
  const vms = await listObjects(vim, "VirtualMachine", ["name"]);
  return vms.filter((v) => v.props.name === name).map((v) => v.obj.value);
}

/**
 * The export folder on the share is either absent or complete: its marker lists every file with
 * its size and SHA-256, and the manifest agrees. Hidden `.name.partial-*` folders may remain.
 * Returns "absent" or "complete".
 */
export function publishedExportState(shareDir: string, folder: string, name: string): "absent" | "complete" {
  const dir = path.join(shareDir, folder, name);
  if (!fs.existsSync(dir)) return "absent";
  const marker = JSON.parse(fs.readFileSync(path.join(dir, ".applayering-export.json"), "utf8")) as { files: Array<{ name: string; size: number; sha256: string }> };
  const mf = fs.readFileSync(path.join(dir, `${name}.mf`), "utf8");
  for (const f of marker.files) {
    const bytes = fs.readFileSync(path.join(dir, f.name));
    expect({ name: f.name, size: bytes.length }).toEqual({ name: f.name, size: f.size });
    const sha = createHash("sha256").update(bytes).digest("hex");
    expect(sha).toBe(f.sha256);
    expect(mf).toContain(`SHA256(${f.name})= ${sha}`);
  }
  return "complete";
}

/** Names in the exports folder that are neither published exports nor hidden partial folders. */
export function strayEntries(shareDir: string, folder: string): string[] {
  const dir = path.join(shareDir, folder);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((n) => !n.startsWith(".") && !fs.statSync(path.join(dir, n)).isDirectory());
}

/** Sets environment variables for the reconcilers; returns a function that restores the old ones. */
export function setEnv(vars: Record<string, string | undefined>): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once `probe` returns true (polled every 10 ms), or throws after `timeoutMs`. */
export async function until(probe: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

// ------------------------------------------------------------------------------------------------
// A fault proxy in front of vcsim: the reconcilers talk to it as to vCenter (SOAP and the /nfc/
// downloads the export lease hands out), and a test can withhold the lease keep-alive, slow the
// downloads down, or see which methods were called and which leases were opened.
// ------------------------------------------------------------------------------------------------

export interface VsphereProxy {
  /** `https://127.0.0.1:<port>/sdk`: use as VSPHERE_SERVER. */
  url: string;
  /** SHA-256 thumbprint of the proxy's certificate: use as APPLAYERING_VSPHERE_THUMBPRINT. */
  thumbprint: string;
  /** Answer HttpNfcLeaseProgress without passing it on: vcsim sees no keep-alive. */
  withholdKeepAlive: boolean;
  /** Pace /nfc/ download bodies to this many bytes per second (0: full speed). */
  nfcBytesPerSecond: number;
  /** Calls per vim25 method that reached the proxy. */
  counts: Map<string, number>;
  /** Export leases (moref values) handed out by ExportVm, oldest first. */
  leases: string[];
  /** Bytes of /nfc/ downloads passed on so far. */
  nfcBytes: number;
  /**
   * One-shot actions by method name, run just before that call is passed on (e.g. an admin's
   * change racing the reconciler's next task).
   */
  before: Map<string, () => Promise<void>>;
  stop(): Promise<void>;
}

const bodyMethod = (body: string): string => /<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)/.exec(body)?.[1] ?? "";

export async function startVsphereProxy(target: { url: string; thumbprint: string }): Promise<VsphereProxy> {
  const https = await import("node:https");
  const { X509Certificate } = await import("node:crypto");
  const { makeSelfSignedCert } = await import("../../../sim/elm/cert");
  const cert = await makeSelfSignedCert();
  const x509 = new X509Certificate(cert.certPem);
  const upstream = new URL(target.url);
  const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
  const state = { withholdKeepAlive: false, nfcBytesPerSecond: 0, counts: new Map<string, number>(), leases: [] as string[], nfcBytes: 0 };
  const before = new Map<string, () => Promise<void>>();
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const method = req.method === "POST" ? bodyMethod(body.toString("utf8")) : "";
      if (method) state.counts.set(method, (state.counts.get(method) ?? 0) + 1);
      if (method === "HttpNfcLeaseProgress" && state.withholdKeepAlive) {
        res.writeHead(200, { "Content-Type": "text/xml; charset=utf-8" });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
            '<soapenv:Body><HttpNfcLeaseProgressResponse xmlns="urn:vim25"></HttpNfcLeaseProgressResponse></soapenv:Body></soapenv:Envelope>',
        );
        return;
      }
      const hook = before.get(method);
      before.delete(method);
      void (hook ?? (async () => undefined))().then(() => forward(method, body));
    });
    const forward = (method: string, body: Buffer): void => {
      const headers = { ...req.headers, host: upstream.host };
      const up = https.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent }, (ur) => {
        const nfc = (req.url ?? "").startsWith("/nfc/");
        if (nfc) {
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.on("data", (c: Buffer) => {
            state.nfcBytes += c.length;
            if (state.nfcBytesPerSecond > 0) {
              ur.pause();
              setTimeout(() => ur.resume(), (c.length / state.nfcBytesPerSecond) * 1000);
            }
            res.write(c);
          });
          ur.on("end", () => res.end());
          ur.on("error", () => res.destroy());
          res.on("close", () => ur.destroy());
          return;
        }
        const out: Buffer[] = [];
        ur.on("data", (c: Buffer) => out.push(c));
        ur.on("end", () => {
          // Lease download URLs carry vcsim's thumbprint: hand out the proxy's instead.
          const text = Buffer.concat(out).toString("utf8").split(target.thumbprint).join(x509.fingerprint);
          if (method === "ExportVm") {
            const lease = /<returnval[^>]*>([^<]+)<\/returnval>/.exec(text)?.[1];
            if (lease) state.leases.push(lease);
          }
          const h = { ...ur.headers };
          delete h["content-length"];
          res.writeHead(ur.statusCode ?? 502, h);
          res.end(text);
        });
      });
      up.on("error", () => res.destroy());
      up.end(body);
    };
  });
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
  const proxy: VsphereProxy = {
    url: `https://127.0.0.1:${port}/sdk`,
    thumbprint: x509.fingerprint256,
    get withholdKeepAlive() {
      return state.withholdKeepAlive;
    },
    set withholdKeepAlive(v: boolean) {
      state.withholdKeepAlive = v;
    },
    get nfcBytesPerSecond() {
      return state.nfcBytesPerSecond;
    },
    set nfcBytesPerSecond(v: number) {
      state.nfcBytesPerSecond = v;
    },
    counts: state.counts,
    leases: state.leases,
    before,
    get nfcBytes() {
      return state.nfcBytes;
    },
    set nfcBytes(v: number) {
      state.nfcBytes = v;
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
      await cert.cleanup();
    },
  };
  return proxy;
}
