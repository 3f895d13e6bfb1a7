/**
 * One export: vSphere's disks streamed straight into a hidden folder on the share, the
 * descriptor checked for an OS layer, a SHA-256 manifest written, and the folder published
 * under its name only when complete and verified.
 */
import { ExportedFile, VimClient, exportVm } from "../vsphere";
import type { ExportPlan } from "./plan";
import { formatManifest, parseDescriptor, validateForOsLayer } from "../ovf";
import { Share, cleanupStalePartials, publishFolder } from "../share";
import type { Report } from "../progress";
import { exportBlockers } from "../vmReadiness";
import { ExportMarker, MARKER_FILE, newExportId } from "./marker";
import type { OvfExportInputs } from "./types";

/** App Layering's largest layer: the descriptor's disks must fit it; OsLayer checks its own maximum. */
const LARGEST_LAYER_GB = 2040;

function progressReporter(report: Report): (p: { bytes: number; totalBytes: number; file: string }) => void {
  const started = Date.now();
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 5000 && p.bytes < p.totalBytes) return;
    last = now;
    const mb = p.bytes / 1e6;
    const rate = mb / Math.max(0.001, (now - started) / 1000);
    report(`exported ${mb.toFixed(0)} of ${(p.totalBytes / 1e6).toFixed(0)} MB (${rate.toFixed(1)} MB/s), ${p.file}`);
  };
}

export async function exportToShare(
  vim: VimClient,
  share: Share,
  plan: ExportPlan,
  inputs: OvfExportInputs,
  report: Report,
): Promise<ExportMarker> {
  const { vm, info } = plan;
  const blockers = exportBlockers(info);
  if (blockers.length > 0) {
    throw new Error(`OvfExport ${inputs.name}: VM ${info.name} cannot become an OS layer yet: ${blockers.join("; ")}`);
  }
  const name = inputs.name;
  const removed = await cleanupStalePartials(share, "", { name });
  if (removed.length > 0) report(`removed ${removed.length} unfinished export(s) of an earlier run`);
  const deadline = Date.now() + inputs.exportTimeout * 60_000;
  let marker: ExportMarker | undefined;
  await publishFolder(
    share,
    "",
    name,
    async (pub) => {
      report(`exporting ${info.name} to ${share.location}\\${name}`);
      let hashed: ExportedFile[] = [];
      const result = await exportVm(vim, vm, {
        name,
        deadline,
        // exportVm hashes each disk as it streams; the publication does not hash it again.
        openDiskSink: (disk) => pub.createWriteStream(disk.name, { sha256: () => hashed.find((f) => f.name === disk.name)?.sha256 ?? "" }),
        onProgress: progressReporter(report),
      });
      hashed = result.files;
      const desc = await parseDescriptor(result.descriptor);
      const present = new Map(result.files.map((f) => [f.name, f.size] as [string, number]));
      const problems = validateForOsLayer(desc, { presentFiles: present, maxLayerSizeGb: LARGEST_LAYER_GB });
      if (problems.length > 0) {
        throw new Error(`OvfExport ${name}: the exported OVF is not fit for an OS layer: ${problems.map((p) => p.message).join("; ")}`);
      }
      const ovf = await pub.writeFile(`${name}.ovf`, result.descriptor);
      const files = [{ name: `${name}.ovf`, size: ovf.size, sha256: ovf.sha256 }, ...result.files.map((f) => ({ name: f.name, size: f.size, sha256: f.sha256 }))];
      await pub.writeFile(`${name}.mf`, formatManifest(files.map((f) => ({ name: f.name, sha256: f.sha256 }))));
      marker = {
        exportId: newExportId(),
        vmMoref: vm.value,
        changeVersion: info.contentVersion ?? "",
        snapshotId: info.currentSnapshot?.value ?? "",
        files,
        diskCapacityBytes: desc.disks.reduce((n, d) => n + (d.capacityBytes ?? 0), 0),
      };
      await pub.writeFile(MARKER_FILE, JSON.stringify(marker, null, 2));
    },
    { replace: true },
  );
  report(`published ${share.location}\\${name}`);
  return marker!;
}
