/** Timing, repetition and peak-RSS helpers shared by the benchmarks. */
import { spawn } from "node:child_process";
import * as path from "node:path";

/** Seconds taken by fn. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, value };
}

export function best(xs: number[]): number {
  return Math.min(...xs);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** MB/s (10^6 bytes per second), as smbclient and the reference figures use. */
export function mbps(bytes: number, seconds: number): number {
  return bytes / 1e6 / seconds;
}

/**
 * Runs the contenders in turn, `rounds` times (A B C, A B C, ...), so that a slow patch of the
 * machine hits all of them alike; `settle` runs, untimed, before each. Returns each contender's
 * seconds per round.
 */
export async function alternate(
  rounds: number,
  contenders: Record<string, () => Promise<number>>,
  settle?: () => Promise<unknown>,
): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const k of Object.keys(contenders)) out[k] = [];
  for (let i = 0; i < rounds; i++) {
    for (const [k, run] of Object.entries(contenders)) {
      await settle?.();
      const s = await run();
      out[k].push(s);
      process.stderr.write(`  [round ${i + 1}] ${k}: ${s.toFixed(3)} s\n`);
    }
  }
  return out;
}

/**
 * Writes dirty pages out (sync) before a timed run, so that one run's gigabyte is not flushed by
 * the kernel during the next (which throttled whichever ran second).
 */
export function settleDisk(): Promise<number> {
  return shell("sync");
}

/** Runs a shell command line; resolves with its wall time, rejects with its stderr on failure. */
export function shell(cmd: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn("/bin/bash", ["-o", "pipefail", "-c", cmd], { stdio: ["ignore", "ignore", "pipe"], env });
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      if (err.length < 4000) err += d.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code === 0) resolve(seconds);
      else reject(new Error(`${cmd.split(" ")[0]} … exited ${code}: ${err.trim().slice(0, 500)}`));
    });
  });
}

/**
 * Runs a shell command line and also returns the CPU seconds (user + system) its processes
 * used, from bash's `times` (children's line).
 */
export function shellCpu(cmd: string): Promise<{ seconds: number; cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn("/bin/bash", ["-o", "pipefail", "-c", `${cmd} >/dev/null && times`], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      if (err.length < 4000) err += d.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) return reject(new Error(`${cmd.split(" ")[0]} … exited ${code}: ${err.trim().slice(0, 500)}`));
      // `times` prints the shell's own user/sys, then its children's: "0m0.488s 0m1.289s".
      const line = out.trim().split("\n").pop() ?? "";
      const secs = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
      resolve({ seconds, cpuSeconds: secs.reduce((a, b) => a + b, 0) });
    });
  });
}

/** What a child script prints as its last stdout line. */
export interface ChildReport {
  seconds: number;
  bytes: number;
  /** process.resourceUsage().maxRSS of the child, in KiB. */
  maxRssKiB: number;
  /** User + system CPU seconds of the child (all its threads). */
  cpuSeconds: number;
  /** Broken disk downloads the export restarted or resumed (exportChild). */
  restarts?: number;
}

/**
 * Runs a compiled bench script (dist/bench/<script>.js) in a fresh Node process with `input` as
 * JSON on argv, and returns the JSON of its last stdout line. A fresh process per run keeps peak
 * RSS (maxRSS never goes down) about that run alone.
 */
export function runChild<T extends ChildReport>(script: string, input: unknown, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, `${script}.js`), JSON.stringify(input)], { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      if (err.length < 8000) err += d.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`${script} exited ${code}: ${err.trim().slice(-1500)}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} printed no JSON result: ${last.slice(0, 300)} ${err.trim().slice(-500)}`));
      }
    });
  });
}
