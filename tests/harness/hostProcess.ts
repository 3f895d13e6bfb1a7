/**
 * The dynamic-provider host as a child process, launched the way the engine's `pulumi-nodejs` plugin
 * shim launches it: `node <@pulumi/pulumi/cmd/dynamic-provider> <engine address>` with cwd = the
 * program directory (serialized providers `require()` packages from there), reading the port from
 * the first stdout line. Later stdout/stderr lines are what the engine would forward as diagnostics;
 * they are kept here because our providers write their progress to stderr.
 */
import { ChildProcess, spawn } from "child_process";
import * as readline from "readline";

export interface HostLine {
  stream: "stdout" | "stderr";
  text: string;
}

export interface HostProcessOptions {
  /** Directory whose node_modules resolves `@pulumi/pulumi` and every package a provider requires. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Give up if no port is printed within this time. Default 20 s. */
  startTimeoutMs?: number;
  /** Called for every output line after the port, e.g. to echo progress while debugging. */
  onLine?: (line: HostLine) => void;
  /** The engine's gRPC address passed to the host (default an unreachable 127.0.0.1:1). */
  engineAddress?: string;
}

// Children still running when this process exits are killed, so a test that forgets close() cannot
// leave an orphan host behind (jest would exit, the host would not).
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export class HostProcess {
  readonly lines: HostLine[] = [];
  private taken = 0;
  private exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess, readonly port: number, exited: Promise<number | null>) {
    this.exited = exited;
  }

  static async start(opts: HostProcessOptions): Promise<HostProcess> {
    const script = require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [opts.cwd] });
    // The engine passes its own gRPC address; the host checks that one is given but never dials it.
    const child = spawn(process.execPath, [script, opts.engineAddress ?? "127.0.0.1:1"], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    live.add(child);
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => {
      live.delete(child);
      resolve(code);
    }));
    const early: HostLine[] = [];
    let host: HostProcess | undefined;
    const record = (line: HostLine): void => {
      if (host) host.record(line, opts.onLine);
      else early.push(line);
    };
    const out = readline.createInterface({ input: child.stdout! });
    const err = readline.createInterface({ input: child.stderr! });
    err.on("line", (text) => record({ stream: "stderr", text }));

    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => fail(`no port printed within ${opts.startTimeoutMs ?? 20000} ms`), opts.startTimeoutMs ?? 20000);
      let settled = false;
      const fail = (why: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill("SIGKILL");
        const stderr = early.map((l) => l.text).join("\n");
        reject(new Error(`dynamic-provider host (${script}, cwd ${opts.cwd}) failed to start: ${why}\n${stderr}`));
      };
      child.once("error", (e) => fail(e.message));
      child.once("exit", (code) => fail(`exited with code ${code}`));
      let first = true;
      out.on("line", (text) => {
        if (!first) return record({ stream: "stdout", text });
        first = false;
        const n = Number(text.trim());
        if (!Number.isInteger(n) || n <= 0) return fail(`first stdout line is not a port: ${JSON.stringify(text)}`);
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(n);
      });
    });
    host = new HostProcess(child, port, exited);
    for (const line of early) host.record(line, opts.onLine);
    return host;
  }

  private record(line: HostLine, onLine?: (line: HostLine) => void): void {
    this.lines.push(line);
    onLine?.(line);
  }

  /** Lines printed since the previous call (each operation's report carries its own). */
  takeLines(): HostLine[] {
    const fresh = this.lines.slice(this.taken);
    this.taken = this.lines.length;
    return fresh;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL if the host has not gone within 5 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
