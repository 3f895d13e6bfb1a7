/**
 * `npm run bench [-- name ...]`: runs the benchmarks (all, or those named), each printing
 * `name: value` lines with its ratio last and appending its results to bench/RESULTS.md.
 * Benchmarks, not tests: nothing here fails on a duration; the exit code is non-zero only when a
 * benchmark could not run.
 */
import { elmBench } from "./elm";
import { exportBench } from "./export";
import { memoryBench } from "./memory";
import { previewBench } from "./preview";
import { report, BenchResult } from "./results";
import { smbBench } from "./smb";
import { stateBench } from "./state";

const BENCHES: Record<string, () => Promise<BenchResult>> = {
  export: exportBench,
  memory: memoryBench,
  smb: smbBench,
  preview: previewBench,
  state: stateBench,
  elm: elmBench,
};

async function main(): Promise<number> {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s): ${unknown.join(", ")}; choose from ${Object.keys(BENCHES).join(", ")}\n`);
    return 2;
  }
  let failed = 0;
  for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
    process.stdout.write(`== ${name}\n`);
    const t0 = Date.now();
    try {
      report(await BENCHES[name]());
    } catch (e) {
      failed++;
      process.stdout.write(`${name}: failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    process.stderr.write(`  (${name} took ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
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
