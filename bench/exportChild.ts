/**
 * Child process of the export and memory benchmarks: one OvfExport create (our reconciler, our
 * vSphere and SMB clients) in a fresh Node process, which then reports its own peak RSS.
 * Input (argv[2], JSON): { env, vmMoref, shareFolder, name }. Output: one JSON line (ChildReport).
 */
import * as ovfExportModule from "../provider/ovfExport";
import type { ChildReport } from "./measure";
import { engineView } from "../tests/harness/reconciler";

const ovfExport = engineView(ovfExportModule);

interface Input {
  env: Record<string, string>;
  vmMoref: string;
  shareFolder: string;
  name: string;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? "{}") as Input;
  Object.assign(process.env, input.env);
  const checked = await ovfExport.check({}, { vmMoref: input.vmMoref, shareFolder: input.shareFolder, name: input.name });
  if (checked.failures && checked.failures.length > 0) throw new Error(JSON.stringify(checked.failures));
  const t0 = process.hrtime.bigint();
  const r = await ovfExport.create(checked.inputs);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const files = (r.outs as { files: Array<{ name: string; size: number }> }).files;
  const bytes = files.filter((f) => f.name.endsWith(".vmdk")).reduce((n, f) => n + f.size, 0);
  const ru = process.resourceUsage();
  const out: ChildReport = { seconds, bytes, maxRssKiB: ru.maxRSS, cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6 };
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
