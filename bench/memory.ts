/**
 * memory: peak RSS of the exporting process (a fresh Node process per run) for 256 MiB, 1 GiB
 * and 4 GiB disks. The export streams, so the peak must not grow with the disk: goal flat within
 * 20 MB. Disks are sparse files (vcsim serves them as streamOptimized VMDKs of every grain, zeros
 * included: a stream of about the file's size), so 4 GiB costs no disk space.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { announcedDiskBytes } from "./nfcLease";
import { ChildReport, mbps, runChild, settleDisk } from "./measure";
import { BenchResult, Figure } from "./results";
import { GiB, MiB, sparseDisk, startExportRig } from "./rig";

const SIZES: Array<[string, number]> = [
  ["256MiB", 256 * MiB],
  ["1GiB", GiB],
  ["4GiB", 4 * GiB],
];

export async function memoryBench(): Promise<BenchResult> {
  const rig = await startExportRig();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-memory-"));
  try {
    const figures: Figure[] = [];
    const peaks: number[] = [];
    for (const [label, bytes] of SIZES) {
      sparseDisk(rig.diskFile, bytes);
      await settleDisk();
      const served = await announcedDiskBytes(rig, tmp);
      const r = await runChild<ChildReport>("exportChild", { env: rig.env, vmMoref: rig.vmMoref, shareFolder: rig.shareFolder, name: `mem-${label}` });
      fs.rmSync(path.join(rig.smbd.dir, "exports", `mem-${label}`), { recursive: true, force: true });
      if (r.bytes !== served) throw new Error(`the ${label} export wrote ${r.bytes} disk bytes, the lease announced ${served}`);
      const peakMB = (r.maxRssKiB * 1024) / 1e6;
      peaks.push(peakMB);
      process.stderr.write(`  ${label}: peak RSS ${peakMB.toFixed(1)} MB, ${r.seconds.toFixed(2)} s\n`);
      figures.push({ name: `memory.peak_rss_${label}`, value: peakMB, unit: "MB" });
      figures.push({ name: `memory.throughput_${label}`, value: mbps(bytes, r.seconds), unit: "MB/s" });
    }
    const spread = Math.max(...peaks) - Math.min(...peaks);
    return {
      bench: "memory",
      figures,
      ratio: { name: "memory.peak_rss_spread", value: spread, unit: "MB" },
      goal: "peak RSS flat within 20 MB across 256 MiB, 1 GiB and 4 GiB disks",
      met: spread <= 20,
      notes: [
        "One OvfExport create per size, each in a fresh Node process reporting process.resourceUsage().maxRSS (1 MB = 10^6 bytes); one run per size.",
        "Disks are sparse files on the vcsim datastore; vcsim streams them over NFC as streamOptimized VMDKs holding every grain of the file (zeros included, stored deflate): about the file's size.",
      ],
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    await rig.stop();
  }
}
