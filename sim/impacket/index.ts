/**
 * impacket's SimpleSMBServer (Debian's python3-impacket) on loopback: the share tests' second SMB
 * server, one nobody here wrote. SMB 2.0.2 only, 64 KiB reads and writes, no signing required.
 */
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface ImpacketSmb {
  host: string;
  port: number;
  share: string;
  user: string;
  password: string;
  /** `\\host:port\share` */
  unc: string;
  /** Local folder behind the share. */
  dir: string;
  stop(): Promise<void>;
}

/** The Python that has impacket: Debian's, not a pyenv shim that shadows it. */
function python(): string {
  for (const p of ["/usr/bin/python3", "python3"]) if (p === "python3" || fs.existsSync(p)) return p;
  return "python3";
}

/** server.py: beside this file when run from source, else in the package's sim/impacket. */
function serverScript(): string {
  const beside = path.join(__dirname, "server.py");
  return fs.existsSync(beside) ? beside : path.resolve(__dirname, "../../../sim/impacket/server.py");
}

export async function startImpacketSmb(opts: { share?: string; user?: string; password?: string; startTimeoutMs?: number } = {}): Promise<ImpacketSmb> {
  const share = opts.share ?? "layers";
  const user = opts.user ?? "layers";
  const password = opts.password ?? `Pw-${randomBytes(6).toString("hex")}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "impacket-smb-"));
  const host = "127.0.0.1";
  const child = spawn(python(), [serverScript(), host, share, dir, user], { stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.write(password + "\n");
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`impacket's SMB server did not start in time: ${stderr}`)), opts.startTimeoutMs ?? 20_000);
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve((JSON.parse(out.slice(0, nl)) as { port: number }).port);
      } catch {
        reject(new Error(`impacket's SMB server printed ${JSON.stringify(out.slice(0, 200))}`));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      const hint = /No module named 'impacket'/.test(stderr) ? " (install Debian's python3-impacket)" : "";
      reject(new Error(`impacket's SMB server exited ${code}${hint}: ${stderr.slice(0, 2000)}`));
    });
  });
  let stopped: Promise<void> | undefined;
  return {
    host,
    port,
    share,
    user,
    password,
    unc: `\\\\${host}:${port}\\${share}`,
    dir,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin.end();
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      }).then(() => fs.rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}
