/**
 * Starts a private Samba smbd for tests, the ELM simulator and the demo: its own loopback
 * address and port, its own temp dirs (state, lock, pid, private, share), its own passdb with
 * one user. Stop it with stop(); kill() simulates a crash (SIGKILL of its process group).
 */
import { ChildProcess, execFile, spawn } from "child_process";
import { randomBytes, randomInt } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

export interface SmbdOptions {
  /** Server signing policy (default "auto": negotiated, not required). */
  signing?: "mandatory" | "auto";
  /** Encryption policy for the share (default "off"). */
  encrypt?: "required" | "off";
  /** server min protocol, e.g. "SMB3_11" (default "SMB2_02"). */
  minProtocol?: string;
  /** server max protocol (default "SMB3"). */
  maxProtocol?: string;
  /** SMB user (default "layers"). It maps onto the Unix account running the tests. */
  user?: string;
  /** Its password (default: random). */
  password?: string;
  /** Loopback address to bind (default: a random 127.x.y.z). */
  address?: string;
  /** Port (default: a free port above 1024). */
  port?: number;
  /** Share name (default "layers"). */
  share?: string;
  /** Extra lines for the [global] section. */
  extraGlobal?: string[];
  /** More shares, each with its own folder under the instance's temp dir (e.g. options ["read only = yes"]). */
  extraShares?: Array<{ name: string; options?: string[] }>;
  /**
   * Largest file smbd may write, in KiB (RLIMIT_FSIZE): a write beyond it fails as if the disk
   * were full (STATUS_DISK_FULL), without needing a small file system.
   */
  maxFileSizeKiB?: number;
  /** Milliseconds to wait for the port (default 20000). */
  startTimeoutMs?: number;
}

export interface SmbdInstance {
  host: string;
  port: number;
  share: string;
  user: string;
  password: string;
  domain: string;
  /** `\\host:port\share` */
  unc: string;
  /** Local path of the share root. */
  dir: string;
  /** Local paths of the extra shares, by name. */
  extraDirs: Record<string, string>;
  /** smbd's process id. */
  pid: number;
  /** Stops smbd (SIGTERM, then SIGKILL) and removes its temp dir. */
  stop(): Promise<void>;
  /** Kills smbd and its children at once (SIGKILL), as a crash would. The temp dir stays until stop(). */
  kill(): void;
}

function run(cmd: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} failed: ${stderr || err.message}`));
      else resolve();
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

function findSmbd(): string {
  for (const p of ["/usr/sbin/smbd", "/usr/local/sbin/smbd", "/usr/bin/smbd"]) if (fs.existsSync(p)) return p;
  throw new Error("smbd not found: install Samba (Debian: apt-get install -y samba smbclient)");
}

// pdbedit edits our private tdbsam directly, as root or not (smbpasswd -a needs root).
function findPdbedit(): string {
  for (const p of ["/usr/bin/pdbedit", "/usr/local/bin/pdbedit", "/usr/sbin/pdbedit"]) if (fs.existsSync(p)) return p;
  throw new Error("pdbedit not found: install Samba (Debian: apt-get install -y samba)");
}

function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, address, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function waitForPort(host: string, port: number, timeoutMs: number, child: ChildProcess, logFile: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) {
        return reject(new Error(`smbd exited during start (code ${child.exitCode}, signal ${child.signalCode}): ${logFile()}`));
      }
      const s = net.connect({ host, port });
      s.once("connect", () => {
        s.destroy();
        resolve();
      });
      s.once("error", () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`smbd did not listen on ${host}:${port} within ${timeoutMs} ms: ${logFile()}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/** Whether any live (not zombie) process of the group remains; zombies wait for init to reap them. */
function groupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
      // pid (comm) state ppid pgrp ...; comm may contain spaces, so split after the last ')'.
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(f[2]) === pgid && f[0] !== "Z") return true;
    } catch {
      // the process went away while we looked
    }
  }
  return false;
}

/** One process 'exit' listener for all running instances (not one each: Node warns past 10). */
const atExit = new Set<() => void>();
function runAtExit(): void {
  for (const f of atExit) f();
}

export async function startSmbd(opts: SmbdOptions = {}): Promise<SmbdInstance> {
  const smbd = findSmbd();
  const pdbedit = findPdbedit();
  const user = opts.user ?? "layers";
  const password = opts.password ?? `Pw-${randomBytes(9).toString("base64url")}`;
  const share = opts.share ?? "layers";
  const host = opts.address ?? `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
  const port = opts.port ?? (await freePort(host));
  const unixUser = os.userInfo().username;

  const root = fs.mkdtempSync(path.join(os.tmpdir(), "smbd-"));
  const dirs = ["state", "state/ncalrpc", "lock", "pid", "cache", "private", "log", "bind", "share"];
  for (const d of dirs) fs.mkdirSync(path.join(root, d), { recursive: true });
  const shareDir = path.join(root, "share");
  fs.chmodSync(shareDir, 0o777);
  const conf = path.join(root, "smb.conf");
  const usermap = path.join(root, "usermap");
  // The SMB user maps onto the account running the tests, so no system account is created.
  fs.writeFileSync(usermap, user === unixUser ? "" : `${unixUser} = ${user}\n`);
  const lines = [
    "[global]",
    "  server role = standalone server",
    "  workgroup = WORKGROUP",
    `  smb ports = ${port}`,
    `  interfaces = ${host}/8`,
    "  bind interfaces only = yes",
    `  state directory = ${root}/state`,
    `  lock directory = ${root}/lock`,
    `  pid directory = ${root}/pid`,
    `  cache directory = ${root}/cache`,
    `  private dir = ${root}/private`,
    `  ncalrpc dir = ${root}/state/ncalrpc`,
    `  binddns dir = ${root}/bind`,
    `  log file = ${root}/log/log.%m`,
    `  passdb backend = tdbsam:${root}/private/passdb.tdb`,
    `  username map = ${usermap}`,
    "  disable spoolss = yes",
    "  load printers = no",
    "  printcap name = /dev/null",
    "  disable netbios = yes",
    "  rpc start on demand helpers = no",
    `  server min protocol = ${opts.minProtocol ?? "SMB2_02"}`,
    `  server max protocol = ${opts.maxProtocol ?? "SMB3"}`,
    "  ntlm auth = ntlmv2-only",
    "  map to guest = never",
    `  server signing = ${opts.signing === "mandatory" ? "mandatory" : "auto"}`,
    ...(opts.extraGlobal ?? []).map((l) => `  ${l}`),
    `[${share}]`,
    `  path = ${shareDir}`,
    "  read only = no",
    `  force user = ${unixUser}`,
    ...(opts.encrypt === "required" ? ["  smb encrypt = required"] : []),
  ];
  const extraDirs: Record<string, string> = {};
  for (const x of opts.extraShares ?? []) {
    const d = path.join(root, `share-${x.name}`);
    fs.mkdirSync(d, { mode: 0o777 });
    extraDirs[x.name] = d;
    lines.push(`[${x.name}]`, `  path = ${d}`, `  force user = ${unixUser}`, ...(x.options ?? []).map((l) => `  ${l}`));
  }
  lines.push("");
  fs.writeFileSync(conf, lines.join("\n"));

  const cleanupDir = (): void => fs.rmSync(root, { recursive: true, force: true });
  try {
    await run(pdbedit, ["-s", conf, "-a", "-u", unixUser, "-t"], `${password}\n${password}\n`);
  } catch (e) {
    cleanupDir();
    throw e;
  }

  // Own process group (detached): smbd signals its whole group on exit, which would hit us.
  const smbdArgs = ["-F", "--no-process-group", "-s", conf, "--debug-stdout", "-d", "0"];
  // With a file-size limit, SIGXFSZ must be ignored (an ignored signal survives exec) so the
  // write fails with EFBIG, which Samba reports as STATUS_DISK_FULL, instead of killing smbd.
  const child = opts.maxFileSizeKiB
    ? spawn("/bin/bash", ["-c", `trap '' XFSZ; ulimit -f ${Math.ceil(opts.maxFileSizeKiB)}; exec "$0" "$@"`, smbd, ...smbdArgs], {
        detached: true,
        stdio: ["ignore", "ignore", "pipe"],
      })
    : spawn(smbd, smbdArgs, { detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  const pid = child.pid as number;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };

  try {
    await waitForPort(host, port, opts.startTimeoutMs ?? 20_000, child, () => stderr.trim() || "no output");
  } catch (e) {
    killGroup("SIGKILL");
    cleanupDir();
    throw e;
  }

  // If the caller exits without stop() (a failed test, Ctrl-C of `npm run sim`), take smbd along.
  const onExit = (): void => {
    killGroup("SIGKILL");
    try {
      cleanupDir();
    } catch {
      // best effort at exit
    }
  };
  atExit.add(onExit);
  if (atExit.size === 1) process.once("exit", runAtExit);

  let stopped = false;
  return {
    host, port, share, user, password,
    domain: "WORKGROUP",
    unc: `\\\\${host}:${port}\\${share}`,
    dir: shareDir,
    extraDirs,
    pid,
    kill: () => killGroup("SIGKILL"),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      atExit.delete(onExit);
      if (atExit.size === 0) process.removeListener("exit", runAtExit);
      if (child.exitCode === null && child.signalCode === null) {
        killGroup("SIGTERM");
        const t = setTimeout(() => killGroup("SIGKILL"), 5000);
        await exited;
        clearTimeout(t);
      }
      // Children of smbd (per-connection smbd processes) share its group. Wait until they are
      // gone before removing the dir, or a dying child may recreate part of it.
      killGroup("SIGKILL");
      for (let i = 0; i < 60 && groupAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      cleanupDir();
    },
  };
}
