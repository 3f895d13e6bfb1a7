/**
 * The OvfExport reconciler: what the dynamic-provider host calls (through the trampoline) for an
 * OvfExport resource.
 */
import type * as pulumi from "@pulumi/pulumi";
import { reporter } from "../progress";
import { checkOvfExport } from "./check";
import { diffOvfExport } from "./diff";
import { exportToShare } from "./export";
import { planExport } from "./plan";
import { ExportMarker, MARKER_FILE, claimMarker, filesPresent, readMarker, sameFiles } from "./marker";
import { withShare } from "./share";
import { exportPaths } from "./paths";
import type { OvfExportInputs, OvfExportOutputs } from "./types";
import { withVim } from "../vim";
import { plain } from "../wire";
import type { Reconciler } from "../reconciler";

type Provider = Reconciler<OvfExportInputs, OvfExportOutputs>;

// check() takes the program's values as they come (any shape); the others what check() made of them.
export const check = async (_olds: object, news: object): Promise<pulumi.dynamic.CheckResult<OvfExportInputs>> => checkOvfExport(news);

export const diff: Provider["diff"] = async (_id, olds, news) => diffOvfExport(olds, news);

/** The resource's id: the export folder's UNC path. */
const folderUnc = (inputs: OvfExportInputs) => exportPaths(inputs.shareFolder, inputs.name).ovfUncPath.replace(/\\[^\\]+$/, "");

function outputsOf(inputs: OvfExportInputs, m: ExportMarker): OvfExportOutputs {
  const p = exportPaths(inputs.shareFolder, inputs.name);
  return plain({
    ...inputs,
    ovfSharePath: p.ovfSharePath,
    ovfUncPath: p.ovfUncPath,
    exportId: m.exportId,
    files: m.files,
    manifestPath: p.manifestSharePath,
    diskCapacityBytes: m.diskCapacityBytes,
  });
}

export const create: Provider["create"] = async (raw) => {
  const inputs = checkOvfExport(raw).inputs;
  const report = reporter("OvfExport", inputs.name);
  return withVim(async (vim) => {
    // The VM first, read once: a missing one fails before the share is touched.
    const plan = await planExport(vim, inputs);
    const { vm, info } = plan;
    return withShare(inputs.shareFolder, async (opened) => {
      const share = opened!;
      // A re-run finds the finished export of this same content and keeps it.
      const existing = await readMarker(share, inputs.name);
      if (existing && existing.vmMoref === vm.value && existing.changeVersion === (info.contentVersion ?? "") && (await filesPresent(share, inputs.name, existing))) {
        report(`found the finished export of this VM content in ${share.location}\\${inputs.name}; keeping it`);
        return { id: folderUnc(inputs), outs: outputsOf(inputs, await claimMarker(share, inputs.name, existing)) };
      }
      const marker = await exportToShare(vim, share, plan, inputs, report).catch((err: unknown) => {
        // publishFolder guarantees it: a failed export leaves at most a hidden partial folder, which the next run removes.
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(`${message}; nothing was published at ${share.location}/${inputs.name}: fix the cause and run \`pulumi up\` again`);
      });
      return { id: folderUnc(inputs), outs: outputsOf(inputs, marker) };
    }, { create: true });
  });
};

export const read: Provider["read"] = async (id, props) => {
  const inputs = checkOvfExport(props ?? {}).inputs;
  return withShare(inputs.shareFolder, async (share) => {
    if (!share) return {}; // the exports folder itself is gone
    const m = await readMarker(share, inputs.name);
    if (!m || !(await filesPresent(share, inputs.name, m))) return {}; // gone (or broken): the next up exports again
    return { id, props: outputsOf(inputs, m) };
  });
};

export const update: Provider["update"] = async (_id, old, news) => {
  // Only retainFiles and exportTimeout update in place; both are settings of later operations.
  const inputs = checkOvfExport(news).inputs;
  return { outs: plain({ ...old, ...inputs }) };
};

const deleteImpl: Provider["delete"] = async (_id, props) => {
  const inputs = checkOvfExport(props).inputs;
  const report = reporter("OvfExport", inputs.name);
  if (inputs.retainFiles) {
    report("retainFiles is set: leaving the files on the share");
    return;
  }
  await withShare(inputs.shareFolder, async (share) => {
    const m = share && (await readMarker(share, inputs.name));
    if (!share || !m) return; // already gone
    const old = props;
    // Another resource owns the folder now (a replacement published over it, or took it over).
    if (old.exportId ? m.exportId !== old.exportId : !sameFiles(m.files, old.files)) {
      report("the folder now holds a newer export (a replacement published over it); leaving it");
      return;
    }
    // Only what the export wrote goes, then the folder if that left it empty: a file someone put
    // beside the export survives, whatever the server does with a non-empty folder.
    // The marker lists the descriptor and disks; the export also wrote its manifest and the marker.
    for (const file of [...m.files.map((f) => f.name), `${inputs.name}.mf`, MARKER_FILE]) await share.remove(`${inputs.name}/${file}`);
    try {
      await share.remove(inputs.name);
    } catch (e) {
      if ((e as { code?: string }).code !== "ENOTEMPTY") throw e;
      report(`left the folder ${inputs.name}: it holds files the export did not write (${(e as Error).message.replace(/^.*\(/, "(")})`);
    }
  });
};
export { deleteImpl as delete };

/** The module is the provider the trampoline calls; this holds it to the SDK's type (at compile time). */
export default { check, diff, create, read, update, delete: deleteImpl } satisfies Provider;
