/**
 * Starts the vcsim launcher (sim/vcsim, built by build.sh into the user's cache folder) and
 * stops it. Tests, the demo and `applayering sim` use this; nothing in provider/ imports it.
 */
import { execFileSync, spawn, type ChildProcess } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";

export interface VcsimOptions {
  /** Datacenters DC0..DCn-1 (default 1). */
  datacenters?: number;
  /** Standalone hosts per datacenter (default 1). */
  hosts?: number;
  /** Clusters per datacenter (default 0). */
  clusters?: number;
  /** Hosts per cluster (default 1). */
  clusterHosts?: number;
  /** VMs per standalone host and per cluster (default 1). */
  vms?: number;
  /** Export lease timeout in seconds (default 300, as vSphere). */
  leaseTimeoutSeconds?: number;
  /** How long an export lease stays `initializing`, in milliseconds (default 100). */
  leaseInitMs?: number;
  /**
   * What HttpNfcLeaseGetManifest reports: "sha256" (sha1 + sha256, default), "sha1", or "none"
   * (the method is missing, as before vSphere 6.7; downloads are then not hashed server-side,
   * which benchmarks may want).
   */
  manifest?: "sha256" | "sha1" | "none";
  /** Fault injection: cut this many full disk downloads short after nfcResetAfter bytes (the connection dropped). */
  nfcResets?: number;
  nfcResetAfter?: number;
  /** Expire sessions idle this long, in seconds (default: never). */
  sessionIdleTimeoutSeconds?: number;
  /**
   * Session cookie as vCenter sends it (`vmware_soap_session="…"`, quotes included) and refused
   * when echoed without the quotes (default true; false gives plain vcsim cookies).
   */
  vcenterCookie?: boolean;
  /** The simulated Windows guest's account (default "Administrator"; Windows compares it case-insensitively). */
  guestUser?: string;
  /** That account's password (default "Guest-Passw0rd!"). */
  guestPassword?: string;
  /** VMware Tools run this many milliseconds after power-on and after a guest reboot (default 1000). */
  guestToolsDelayMs?: number;
  /** An ended guest process's record (exit code, end time) is dropped this many seconds after its end (default 300, as Tools). */
  guestProcessForgetSeconds?: number;
  /** Dump every SOAP request/response to this process's stderr (default false). */
  trace?: boolean;
  /** Launcher binary (default: launcherPath(), or env VCSIM_LAUNCHER). */
  binary?: string;
  /** Give up waiting for the ready line after this many milliseconds (default 15000). */
  startTimeoutMs?: number;
}

export interface VcsimDatastore {
  datacenter: string;
  name: string;
  /** Local folder holding the datastore's files. */
  path: string;
  /** The Datastore moref value. */
  ref: string;
}

export interface Vcsim {
  /** https://127.0.0.1:<port>/sdk */
  url: string;
  /** PEM file of the server certificate (issued for 127.0.0.1). */
  caCertPath: string;
  /** SHA-1 thumbprint of the server certificate, colon-separated upper-case hex. */
  thumbprint: string;
  thumbprintSha256: string;
  user: string;
  password: string;
  datacenters: string[];
  datastores: VcsimDatastore[];
  leaseTimeoutSeconds: number;
  pid: number;
  /** Guest account of every VM's simulated Windows (README: "Simulated Windows guest"). */
  guestUser: string;
  guestPassword: string;
  /** Tools start this long after power-on, in milliseconds. */
  guestToolsDelayMs: number;
  /** Local file behind a datastore path such as "[LocalDS_0] vm1/vm1.vmdk" (first datacenter unless given). */
  localPath(datastorePath: string, datacenter?: string): string;
  /** Makes a disk file exactly `bytes` long (sparse; content kept up to that length). */
  sizeDisk(datastorePath: string, bytes: number, datacenter?: string): Promise<void>;
  /** Stops the launcher; it removes its temp folders. Safe to call twice. */
  stop(): Promise<void>;
}

/** The launcher's Go sources: beside this file when run from source, else the package's sim/vcsim. */
export function launcherSourceDir(): string {
  for (const dir of [__dirname, path.resolve(__dirname, "../../../sim/vcsim")]) {
    if (fs.existsSync(path.join(dir, "build.sh"))) return dir;
  }
  throw new Error(`the vcsim launcher's sources (build.sh and *.go) are not beside ${__dirname} nor in the package's sim/vcsim`);
}

/**
 * Where build.sh puts the binary: the user's cache folder (APPLAYERING_CACHE_DIR, else
 * $XDG_CACHE_HOME/pulumi-applayering, else ~/.cache/pulumi-applayering), named by a hash of the
 * Go sources — so an installed package never writes into itself, and checkouts with different
 * sources never share a binary. build.sh computes the same name (`build.sh path` prints it).
 */
export function launcherPath(): string {
  if (process.env.VCSIM_LAUNCHER) return process.env.VCSIM_LAUNCHER;
  const dir = launcherSourceDir();
  const hash = createHash("sha256");
  const sources = fs.readdirSync(dir).filter((f) => f.endsWith(".go") && !f.endsWith("_test.go")).sort();
  for (const f of sources) hash.update(`${f}\n`).update(fs.readFileSync(path.join(dir, f)));
  return path.join(cacheDir(), `vcsim-launcher-${hash.digest("hex").slice(0, 16)}`);
}

function cacheDir(): string {
  if (process.env.APPLAYERING_CACHE_DIR) return process.env.APPLAYERING_CACHE_DIR;
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), ".cache"), "pulumi-applayering");
}

interface ReadyLine {
  url: string;
  caCertPath: string;
  thumbprint: string;
  thumbprintSha256: string;
  user: string;
  password: string;
  datacenters: string[] | null;
  datastores: VcsimDatastore[] | null;
  leaseTimeoutSeconds: number;
  pid: number;
  guestUser: string;
  guestPassword: string;
  guestToolsDelayMs: number;
}

function args(o: VcsimOptions): string[] {
  const a = ["-watch-stdin"];
  const num = (flag: string, v: number | undefined) => {
    if (v !== undefined) a.push(`-${flag}`, String(v));
  };
  num("datacenters", o.datacenters);
  num("hosts", o.hosts);
  num("clusters", o.clusters);
  num("cluster-hosts", o.clusterHosts);
  num("vms", o.vms);
  num("lease-timeout", o.leaseTimeoutSeconds);
  num("lease-init-ms", o.leaseInitMs);
  if (o.sessionIdleTimeoutSeconds !== undefined) a.push("-session-idle-timeout", `${o.sessionIdleTimeoutSeconds}s`);
  if (o.manifest) a.push("-manifest", o.manifest);
  num("nfc-resets", o.nfcResets);
  num("nfc-reset-after", o.nfcResetAfter);
  if (o.guestUser !== undefined) a.push("-guest-user", o.guestUser);
  if (o.guestPassword !== undefined) a.push("-guest-password", o.guestPassword);
  if (o.guestToolsDelayMs !== undefined) a.push("-guest-tools-delay", `${o.guestToolsDelayMs}ms`);
  if (o.guestProcessForgetSeconds !== undefined) a.push("-guest-process-forget", `${o.guestProcessForgetSeconds}s`);
  if (o.trace) a.push("-trace");
  if (o.vcenterCookie ?? true) a.push("-vcenter-cookie");
  return a;
}

/** Runs build.sh (about 20 s); its failure leaves the "not found" error below to explain. */
function buildLauncher(): void {
  try {
    execFileSync("sh", [path.join(launcherSourceDir(), "build.sh")], { stdio: ["ignore", "ignore", "inherit"], timeout: 300_000 });
  } catch {
    // reported as "not found" with the build hint
  }
}

/** Spawns the launcher and resolves once it printed its ready line. */
export async function startVcsim(opts: VcsimOptions = {}): Promise<Vcsim> {
  const bin = opts.binary ?? launcherPath();
  // The default binary is named by its sources' hash: after a change to them, build it once here.
  if (!fs.existsSync(bin) && opts.binary === undefined && !process.env.VCSIM_LAUNCHER) buildLauncher();
  if (!fs.existsSync(bin)) {
    throw new Error(`vcsim launcher not found at ${bin}; build it with sim/vcsim/build.sh (needs golang-go and golang-github-vmware-govmomi-dev)`);
  }
  const child = spawn(bin, args(opts), { stdio: ["pipe", "pipe", opts.trace ? "inherit" : "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let line: ReadyLine;
  try {
    line = await readReady(child, opts.startTimeoutMs ?? 15000, () => stderr);
  } catch (e) {
    child.kill("SIGTERM");
    await exited;
    throw e;
  }
  const datastores = line.datastores ?? [];
  const localPath = (dsPath: string, datacenter?: string): string => {
    const m = /^\[([^\]]+)\]\s*(.*)$/.exec(dsPath);
    if (!m) throw new Error(`"${dsPath}" is not a datastore path like "[LocalDS_0] vm/vm.vmdk"`);
    const dc = datacenter ?? line.datacenters?.[0];
    const ds = datastores.find((d) => d.name === m[1] && (dc === undefined || d.datacenter === dc));
    if (!ds) throw new Error(`no datastore "${m[1]}" in datacenter ${dc ?? "?"} of this vcsim`);
    return path.join(ds.path, m[2]);
  };
  let stopped: Promise<void> | undefined;
  return {
    ...line,
    datacenters: line.datacenters ?? [],
    datastores,
    localPath,
    async sizeDisk(dsPath: string, bytes: number, datacenter?: string): Promise<void> {
      await fs.promises.truncate(localPath(dsPath, datacenter), bytes);
    },
    stop(): Promise<void> {
      if (!stopped) {
        stopped = (async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.stdin?.end();
            child.kill("SIGTERM");
            const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
            await exited;
            clearTimeout(timer);
          }
          child.stdout?.destroy();
          child.stderr?.destroy();
        })();
      }
      return stopped;
    },
  };
}

function readReady(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<ReadyLine> {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout! });
    const done = (err?: Error, line?: ReadyLine) => {
      clearTimeout(timer);
      rl.close();
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve(line!);
    };
    const onExit = (code: number | null) =>
      done(new Error(`vcsim launcher exited (code ${code}) before it was ready: ${stderr().trim() || "no output"}`));
    const timer = setTimeout(
      () => done(new Error(`vcsim launcher printed no ready line within ${timeoutMs} ms: ${stderr().trim() || "no output"}`)),
      timeoutMs,
    );
    child.once("exit", onExit);
    rl.once("line", (text) => {
      try {
        done(undefined, JSON.parse(text) as ReadyLine);
      } catch {
        done(new Error(`vcsim launcher printed an unexpected first line: ${text.slice(0, 200)}`));
      }
    });
  });
}
