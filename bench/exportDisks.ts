/**
 * The export's two other questions, asked in the export benchmark's run:
 * - disks in parallel: a VM with two disks against its larger disk alone (another VM with one
 *   disk of the same bytes), with each NFC download paced to a field NFC stream's rate (the
 *   issue's 20-30 MB/s; the launcher's -nfc-rate), and unpaced, where the loopback's CPU decides.
 * - a broken transfer: an export whose download is reset halfway (once per run) against a clean
 *   one; with Range honoured (the disk resumes) and with Range ignored (it starts over).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { alternate, best, ChildReport, runChild, settleDisk } from "./measure";
import type { Figure, Goal } from "./results";
import { ExportRig, MiB, randomFile, startExportRig } from "./rig";

const ROUNDS = 2;
/** A field NFC stream's rate, the middle of the 20-30 MB/s. */
export const FIELD_NFC_RATE = 25e6;
const DISK = 256 * MiB;

/** One OvfExport create in a fresh process; the export folder is removed after it. */
async function exportOnce(rig: ExportRig, vmMoref: string, name: string, expectBytes: number, expectRestarts?: number): Promise<number> {
  const r = await runChild<ChildReport>("exportChild", { env: rig.env, vmMoref, shareFolder: rig.shareFolder, name });
  fs.rmSync(path.join(rig.smbd.dir, "exports", name), { recursive: true, force: true });
  // The launcher serves streamOptimized VMDKs: random bytes do not compress, so at least the raw bytes.
  if (r.bytes < expectBytes) throw new Error(`the export of ${name} wrote ${r.bytes} disk bytes, expected at least ${expectBytes}`);
  if (expectRestarts !== undefined && r.restarts !== expectRestarts) throw new Error(`the export of ${name} restarted ${r.restarts} download(s), expected ${expectRestarts}`);
  return r.seconds;
}

/** Two VMs on the rig: one with two disks of DISK bytes each (distinct), one with the larger alone (the same bytes). */
async function twoAndOne(rig: ExportRig, prefix: string): Promise<{ two: string; one: string }> {
  const two = await rig.addMachine(`${prefix}-two`, [1]);
  const one = await rig.addMachine(`${prefix}-one`);
  randomFile(two.diskFiles[0], DISK);
  randomFile(two.diskFiles[1], DISK);
  fs.copyFileSync(two.diskFiles[0], one.diskFiles[0]);
  return { two: two.vmMoref, one: one.vmMoref };
}

export async function parallelDiskFigures(unpaced: ExportRig): Promise<{ figures: Figure[]; goals: Goal[]; notes: string[] }> {
  const paced = await startExportRig({}, { vcsim: { nfcRateBytesPerSecond: FIELD_NFC_RATE } });
  try {
    const p = await twoAndOne(paced, "paced");
    const u = await twoAndOne(unpaced, "unpaced");
    const runs = await alternate(ROUNDS, {
      paced_two: () => exportOnce(paced, p.two, "paced-two", 2 * DISK),
      paced_one: () => exportOnce(paced, p.one, "paced-one", DISK),
      unpaced_two: () => exportOnce(unpaced, u.two, "unpaced-two", 2 * DISK),
      unpaced_one: () => exportOnce(unpaced, u.one, "unpaced-one", DISK),
    }, settleDisk);
    const ratio = best(runs.paced_two) / best(runs.paced_one);
    const ratioUnpaced = best(runs.unpaced_two) / best(runs.unpaced_one);
    return {
      figures: [
        { name: "export.two_disks_seconds", value: best(runs.paced_two), unit: "s" },
        { name: "export.larger_disk_alone_seconds", value: best(runs.paced_one), unit: "s" },
        { name: "export.parallel_disks_ratio", value: ratio },
        { name: "export.two_disks_unpaced_seconds", value: best(runs.unpaced_two), unit: "s" },
        { name: "export.larger_disk_alone_unpaced_seconds", value: best(runs.unpaced_one), unit: "s" },
        { name: "export.parallel_disks_ratio_unpaced", value: ratioUnpaced },
      ],
      goals: [
        { figure: "export.parallel_disks_ratio", goal: "<= 1.2 (two disks / the larger alone, NFC at 25 MB/s per stream)", met: ratio <= 1.2 },
        { figure: "export.parallel_disks_ratio_unpaced", goal: "informational (unpaced loopback: CPU-bound on 2 cores)" },
      ],
      notes: [
        `parallel disks: a VM with two ${DISK / MiB} MiB disks of random bytes against a VM with the first of them alone; OvfExport create each in a fresh process, best of ${ROUNDS} alternated runs.`,
        `paced: a second launcher paces each NFC download to ${FIELD_NFC_RATE / 1e6} MB/s (-nfc-rate), as a field NFC stream runs at 20-30 MB/s; unpaced: the export rig's launcher, where the two streams share the 2 cores with vcsim and smbd.`,
      ],
    };
  } finally {
    await paced.stop();
  }
}

export async function resetFigures(clean: ExportRig): Promise<{ figures: Figure[]; goals: Goal[]; notes: string[] }> {
  // One reset per launcher: a resumed or restarted download is a GET too, which a second reset would cut again.
  const cut = { nfcResets: 1, nfcResetAfter: DISK / 2 };
  const ranged = await startExportRig({}, { vcsim: cut });
  const whole = await startExportRig({}, { vcsim: { ...cut, nfcNoRange: true } }).catch(async (e: unknown) => {
    await ranged.stop();
    throw e;
  });
  try {
    // One after another: each rig's reconciler reads its vCenter from process.env while it runs.
    const vms: string[] = [];
    for (const rig of [clean, ranged, whole]) {
      const m = await rig.addMachine("reset-os");
      randomFile(m.diskFiles[0], DISK);
      vms.push(m.vmMoref);
    }
    const runs = await alternate(1, {
      clean: () => exportOnce(clean, vms[0], "reset-clean", DISK, 0),
      reset_resumed: () => exportOnce(ranged, vms[1], "reset-resumed", DISK, 1),
      reset_restarted: () => exportOnce(whole, vms[2], "reset-restarted", DISK, 1),
    }, settleDisk);
    const resumed = best(runs.reset_resumed) / best(runs.clean);
    const restarted = best(runs.reset_restarted) / best(runs.clean);
    return {
      figures: [
        { name: "export.reset_clean_seconds", value: best(runs.clean), unit: "s" },
        { name: "export.reset_resumed_seconds", value: best(runs.reset_resumed), unit: "s" },
        { name: "export.reset_ratio", value: resumed },
        { name: "export.reset_restarted_seconds", value: best(runs.reset_restarted), unit: "s" },
        { name: "export.reset_ratio_no_range", value: restarted },
      ],
      goals: [
        { figure: "export.reset_ratio", goal: "informational (one reset halfway, resumed with Range / clean)" },
        { figure: "export.reset_ratio_no_range", goal: "informational (the same reset, server ignoring Range: restarted / clean)" },
      ],
      notes: [
        `reset: a ${DISK / MiB} MiB disk whose download the launcher cuts after ${DISK / 2 / MiB} MiB (-nfc-resets 1, -nfc-reset-after; one run each, as each launcher injects one reset), against a clean export from the export rig's launcher; with Range honoured the disk resumes at the share's last byte, with -nfc-no-range it starts over; each run's restart is checked in the provider's progress.`,
      ],
    };
  } finally {
    await Promise.all([ranged.stop(), whole.stop()]);
  }
}
