/**
 * `npm run bench [-- name ...]`: runs the benchmarks (all, or those named), each printing
 * `name: value` lines with its ratio last and appending its results to bench/RESULTS.md.
 * Benchmarks, not tests: nothing here fails on a duration; the exit code is non-zero only when a
 * benchmark could not run.
 */
import { spawn } from "node:child_process";
import { report, BenchResult } from "./results";

type Bench = () => Promise<BenchResult>;

// Required only when run, so that a benchmark's process loads nothing of the others.
const BENCHES: Record<string, () => Bench> = {
  export: () => (require("./export") as typeof import("./export")).exportBench,
  memory: () => (require("./memory") as typeof import("./memory")).memoryBench,
  smb: () => (require("./smb") as typeof import("./smb")).smbBench,
  preview: () => (require("./preview") as typeof import("./preview")).previewBench,
  state: () => (require("./state") as typeof import("./state")).stateBench,
  elm: () => (require("./elm") as typeof import("./elm")).elmBench,
  stack: () => (require("./stack") as typeof import("./stack")).stackBench,
};

/** Runs one benchmark in this process. */
async function runOne(name: string): Promise<number> {
  const t0 = Date.now();
  try {
    report(await BENCHES[name]()());
    return 0;
  } catch (e) {
    process.stdout.write(`${name}: failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    process.stderr.write(`  (${name} took ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
}

/**
 * Each benchmark runs in a fresh Node process: what one loads or leaves behind (the Pulumi SDK
 * and the harness, servers, a grown heap) must not slow the next. Measured: the SMB client used
 * 2-3 times the CPU when the other benchmarks' modules had run in the same process.
 */
function runIsolated(name: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [__filename, "--one", name], { stdio: "inherit" });
    child.on("exit", (code) => resolve(code ?? 1));
    child.on("error", () => resolve(1));
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args[0] === "--one") return runOne(args[1]);
  const unknown = args.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(", ")}; choose from ${Object.keys(BENCHES).join(", ")}\n`);
    return 2;
  }
  let failed = 0;
  for (const name of args.length > 0 ? args : Object.keys(BENCHES)) {
    process.stdout.write(`== ${name}\n`);
    if ((await runIsolated(name)) !== 0) failed++;
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
