/**
 * The OsLayer's operations against the ELM: import, versions, edits, deletion. Every step first
 * looks at what the ELM already has, so an interrupted run re-run adopts its own work (a layer of
 * that name imported by us, a version in progress, an in-flight task) instead of repeating it.
 */
import {
  CREATE_OS_REVISION_TITLE,
  ElmClient,
  FileShare,
  OsLayerDetails,
  OsLayerRevision,
  WorkTicket,
  editLayerArgsFrom,
  revisionByVersion,
} from "../elm";
import type { Report } from "../progress";
import { randomUUID } from "node:crypto";
import { importIdentity, layerHistoryMarked, layerIdentity, ownerMark, productMark } from "../owner";
import { elmPollMaxMs } from "../config";
import { DeadlineError } from "../wait";
import { busyLayer, ovfRefusal } from "./lookups";
import type { AssignPlan, DeletePlan, ImportPlan, RetirePlan, VersionPlan } from "./plan";
import { packagingMachineFrom } from "./state";
import type { OsLayerInputs } from "./types";
import { PackagingDeadline, packageVersion } from "../packaging";
import type { PackagingProgress } from "../packaging/types";

/** Names the stack in our requests' audit comments (proves nothing: see bindMark for the mark that does). */
export function auditComment(inputs: OsLayerInputs, op: string, mark = productMark()): string {
  return `${inputs.comment ? `${inputs.comment} ` : ""}${mark} ${op} ${inputs.name} ${inputs.version}`.trim();
}

const minutes = (n: number) => Date.now() + n * 60_000;

/** The one poll setting of every ELM wait: the configured cap (applayering:elmPollMaxMs), else the client's default. */
export function polling(): { pollMaxMs?: number } {
  return { pollMaxMs: elmPollMaxMs() };
}

function ticketReporter(report: Report): (t: WorkTicket) => void {
  return (t) => {
    const item = t.workItems.find((w) => w.status) ?? t.workItems[0];
    report(`ELM task ${t.id} ${t.state}${item?.status ? `: ${item.status}` : t.status ? `: ${t.status}` : ""}`);
  };
}

/**
 * Was this layer imported by this stack: an audit comment holding a mark that verifies for this
 * layer id (and the import task it names)? A bare or quoted mark, or one for another layer, does not.
 */
export async function importedByUs(elm: ElmClient, layerId: number, layerName: string): Promise<boolean> {
  // A failing audit query is an error, not "not ours": that would push users to adoptExisting.
  const entries = await elm.auditLog("OsLayer", layerId);
  return layerHistoryMarked(entries.map((e) => ({ id: Number(e.id), comment: e.comment })), layerId, layerName);
}

/**
 * Right after the import, once the layer id is known: an EditLayer changing nothing, whose audit
 * comment is the mark bound to the layer id and the import's ticket.
 */
export async function bindMark(elm: ElmClient, layerId: number, ticketId: number): Promise<void> {
  const details = await elm.osLayerDetails(layerId);
  await elm.editLayer({ ...editLayerArgsFrom(details), comment: ownerMark(layerIdentity(layerId, ticketId)) });
}

/** ImportOs, from the OVF on the share or from the VM, with what planImport resolved. */
export async function importLayer(elm: ElmClient, plan: ImportPlan): Promise<{ layerId: number; ticketId: number }> {
  const { inputs, share, connector } = plan;
  const common = {
    layerName: inputs.name,
    layerDescription: inputs.description,
    iconId: inputs.icon === undefined ? undefined : Number(inputs.icon),
    versionName: inputs.version,
    versionDescription: inputs.versionDescription,
    layerSizeMiB: inputs.maxLayerSizeGb * 1024,
    fileShareId: share.id,
    comment: auditComment(inputs, "import", ownerMark(importIdentity(inputs.name, randomUUID()))),
  };
  const r = await (inputs.ovfPath
    ? elm.importOs({ ...common, diskFilename: inputs.ovfPath, connectorConfigId: connector.id })
    : elm.importOs({ ...common, connectorConfigId: connector.id, vm: { moref: inputs.vmMoref!, name: inputs.vmName! } })
  ).catch((err: unknown) => {
    throw ovfRefusal(inputs, err);
  });
  return { layerId: r.layer.id, ticketId: r.workTicketId };
}

/**
 * Waits for the first version to become Deployable: first for the import's task (given, or found
 * among the layer's active tasks on a re-run), whose Failed / Canceled outcome carries the ELM's
 * reason, then for the revision. Throws ImportPending when createTimeout passes first.
 */
export async function waitImported(elm: ElmClient, layerId: number, inputs: OsLayerInputs, report: Report, ticketId?: number): Promise<OsLayerRevision> {
  const deadline = minutes(inputs.createTimeout);
  const details = await elm.osLayerDetails(layerId);
  const rev = revisionByVersion(details, inputs.version) ?? details.revisions[0];
  if (!rev) throw new Error(`OsLayer ${inputs.name}: the ELM shows no version of layer ${layerId}; look at its Tasks page`);
  try {
    const task = ticketId ?? (await elm.findActiveTicketsForLayer(inputs.name))[0]?.id;
    if (task !== undefined) await elm.waitForWorkTicket(task, { ...polling(), deadline, onChange: ticketReporter(report) });
    return await elm.waitForRevisionState(layerId, rev.id, ["Deployable"], {
      ...polling(),
      deadline,
      onChange: (r) => report(`version ${r.versionName} ${r.state}`),
    });
  } catch (err) {
    if (err instanceof DeadlineError) throw new ImportPending(inputs);
    throw err;
  }
}

/** createTimeout passed while the ELM still imports the first version. */
export class ImportPending extends Error {
  constructor(readonly inputs: OsLayerInputs) {
    super(
      `OsLayer ${inputs.name}: the import of version ${inputs.version} is not finished after ${inputs.createTimeout} minutes; ` +
        "the ELM task keeps running and the next `pulumi up` resumes it (raise createTimeout to wait longer)",
    );
    this.name = "ImportPending";
  }
}

export interface VersionProgress {
  revision: OsLayerRevision;
  /** The packaging machine, when the ELM has built it. */
  machine: string;
}

/**
 * Makes `inputs.version` Deployable as planned: creates exactly one revision based on the plan's
 * base (or resumes the one in progress), waits for its packaging machine, then for it to be shut
 * down for finalize, finalizing on classic ELMs. Throws VersionPending (with the machine's name)
 * when the deadline passes first.
 */
export async function ensureVersion(
  elm: ElmClient,
  details: OsLayerDetails,
  inputs: OsLayerInputs,
  plan: Extract<VersionPlan, { step: "add" | "resume" }>,
  report: Report,
  progress: PackagingProgress = { stage: "", updates: [] },
): Promise<OsLayerRevision> {
  const layerId = details.summary.id;
  const deadline = minutes(inputs.versionTimeout);
  let rev: OsLayerRevision | undefined;
  let ticketId: number | undefined;
  if (plan.step === "add") {
    const { base, connector, share } = plan;
    const format = connector.selectedDiskFormat ?? connector.validDiskFormats[0];
    if (!format) throw new Error(`OsLayer ${inputs.name}: connector ${connector.name} offers no packaging disk format; check it in the ELM`);
    report(`adding version ${inputs.version} based on ${base.versionName}`);
    const created = await elm.createOsLayerRevision({
      layerId,
      versionName: inputs.version,
      versionDescription: inputs.versionDescription,
      layerSizeMiB: Math.max(base.sizeMiB, inputs.maxLayerSizeGb * 1024),
      fileShareId: share.id,
      packagingDiskFilename: `${inputs.name} ${inputs.version}`,
      packagingDiskFormat: format,
      connectorConfigId: connector.id,
      baseRevisionId: base.id,
      comment: auditComment(inputs, "add version"),
    }).catch(async (err: unknown) => {
      throw await busyLayer(elm, details.summary.name, inputs, err);
    });
    ticketId = created.workTicketId;
    rev = (await elm.osLayerDetails(layerId)).revisions.find((r) => r.id === created.revisionId);
    if (!rev) throw new Error(`OsLayer ${inputs.name}: the ELM accepted version ${inputs.version} but does not list it; look at its Tasks page`);
  } else {
    rev = plan.revision;
    report(`resuming version ${inputs.version} (${rev.state})`);
    ticketId = (await elm.findActiveTicketsForLayer(details.summary.name, CREATE_OS_REVISION_TITLE))[0]?.id;
  }
  const at = ticketId === undefined ? { machine: "", ready: false } : await waitForPackagingMachine(elm, ticketId, deadline, inputs, rev, report);
  // Unattended: the provider does in the packaging machine what a person would (provider/packaging).
  if (at.ready && inputs.packaging) {
    const pending = rev;
    await packageVersion(inputs, rev, at.machine, deadline, progress, report).catch((err: unknown) => {
      throw err instanceof PackagingDeadline ? new VersionPending(inputs, pending, at.machine, err.stage) : err;
    });
  }
  const done = await finishVersion(elm, layerId, rev, at.machine, deadline, inputs, plan.share, report, progress);
  if (progress.updates.length > 0) await noteUpdates(elm, layerId, inputs, progress.updates);
  progress.stage = "";
  return done;
}

/** The installed KBs into the layer's audit history (an EditLayer that changes nothing but says so). */
async function noteUpdates(elm: ElmClient, layerId: number, inputs: OsLayerInputs, kbs: string[]): Promise<void> {
  const details = await elm.osLayerDetails(layerId);
  await elm.editLayer({ ...editLayerArgsFrom(details), comment: auditComment(inputs, `updates ${kbs.join(" ")}`) });
}

async function waitForPackagingMachine(
  elm: ElmClient,
  ticketId: number,
  deadline: number,
  inputs: OsLayerInputs,
  rev: OsLayerRevision,
  report: Report,
): Promise<{ machine: string; ready: boolean }> {
  try {
    const t = await elm.waitForWorkTicket(ticketId, { ...polling(), deadline, until: ["ActionRequired"], onChange: ticketReporter(report) });
    const machine = packagingMachineFrom(t.workItems.map((w) => w.status).join(" ") + " " + t.status);
    if (t.state === "ActionRequired" && !inputs.packaging) {
      report(`packaging machine ${machine || "(unnamed)"} is ready: install the updates in it, then run Shutdown For Finalize`);
    }
    return { machine, ready: t.state === "ActionRequired" && machine !== "" };
  } catch (err) {
    if (err instanceof DeadlineError) throw new VersionPending(inputs, rev, "");
    throw err;
  }
}

async function finishVersion(
  elm: ElmClient,
  layerId: number,
  rev: OsLayerRevision,
  machine: string,
  deadline: number,
  inputs: OsLayerInputs,
  share: FileShare,
  report: Report,
  progress: PackagingProgress,
): Promise<OsLayerRevision> {
  const onChange = (r: OsLayerRevision) => report(`version ${r.versionName} ${r.state}`);
  try {
    let r = await elm.waitForRevisionState(layerId, rev.id, ["Finalizable", "Deployable"], { ...polling(), deadline, onChange });
    if (r.state === "Finalizable") {
      report(`finalizing version ${r.versionName}`);
      const kbs = progress.updates.length ? ` updates ${progress.updates.join(" ")}` : "";
      await elm.finalize({ layerRevisionId: r.id, fileShareId: share.id, comment: auditComment(inputs, `finalize${kbs}`) });
      r = await elm.waitForRevisionState(layerId, rev.id, ["Deployable"], { ...polling(), deadline, onChange });
    }
    return r;
  } catch (err) {
    if (err instanceof DeadlineError) throw new VersionPending(inputs, rev, machine, progress.stage);
    throw err;
  }
}

/** The deadline passed while a version waits for its packaging machine or its finalize. */
export class VersionPending extends Error {
  constructor(
    readonly inputs: OsLayerInputs,
    readonly revision: OsLayerRevision,
    readonly machine: string,
    readonly stage = "",
  ) {
    super(
      `OsLayer ${inputs.name}: version ${inputs.version} is not finished after ${inputs.versionTimeout} minutes` +
        (machine && stage && stage !== "finalize"
          ? `: packaging machine ${machine} was at stage ${stage} (packaging); `
          : machine && stage === "finalize"
            ? `: Shutdown For Finalize ran in packaging machine ${machine} and the ELM is still finalizing; `
            : machine
              ? `: install the updates in packaging machine ${machine}, then run Shutdown For Finalize in it; `
              : `: the ELM is still preparing its packaging machine; `) +
        `the next \`pulumi up\` resumes this same version (raise versionTimeout to wait longer)`,
    );
    this.name = "VersionPending";
  }
}

/** EditLayer with the full property set, when name, description, icon or the version's description differ (a new icon was checked by planIcon or planImport). */
export async function editIfChanged(elm: ElmClient, details: OsLayerDetails, inputs: OsLayerInputs): Promise<boolean> {
  const revisions = details.revisions.map((r) => ({
    id: r.id,
    name: r.versionName,
    description: r.versionName === inputs.version && inputs.versionDescription !== undefined ? inputs.versionDescription : r.description,
  }));
  const wanted = editLayerArgsFrom(details, {
    name: inputs.name,
    description: inputs.description ?? "",
    iconId: inputs.icon === undefined ? undefined : Number(inputs.icon),
    revisions,
  });
  const current = editLayerArgsFrom(details);
  if (JSON.stringify({ ...wanted, comment: undefined }) === JSON.stringify({ ...current, comment: undefined })) return false;
  await elm.editLayer({ ...wanted, comment: auditComment(inputs, "edit") }).catch(async (err: unknown) => {
    throw await busyLayer(elm, details.summary.name, inputs, err);
  });
  return true;
}

/** Points the planned image templates at the wanted version (synchronous in the ELM). */
export async function assignTemplates(elm: ElmClient, plan: AssignPlan, report: Report): Promise<void> {
  const { inputs, target, moving } = plan;
  await elm.updateOsLayerAssignment({ imageIds: [...new Set(moving.map((r) => r.id))], revisionId: target.id, comment: auditComment(inputs, "assign") });
  report(`image template(s) ${moving.map((r) => r.name).join(", ")} now use version ${target.versionName}`);
}

/** DeleteOsLayerRevisions for the versions planRetire let go; waits for its task under deleteTimeout. */
export async function deleteVersions(elm: ElmClient, plan: RetirePlan, report: Report): Promise<void> {
  const { inputs, layerId, going, share } = plan;
  if (going.length === 0 || !share) return;
  report(`deleting version(s) ${going.map((r) => r.versionName).join(", ")} (keepVersions ${inputs.keepVersions})`);
  const revisionIds = going.map((r) => r.id);
  const r = await elm.deleteOsLayerRevisions({ layerId, revisionIds, fileShareId: share.id, comment: auditComment(inputs, "delete versions") }).catch(async (err: unknown) => {
    throw await busyLayer(elm, inputs.name, inputs, err);
  });
  await elm.waitForWorkTicket(r.workTicketId, { ...polling(), deadline: minutes(inputs.deleteTimeout), onChange: ticketReporter(report) });
}

/** Deletes every version (the ELM then removes the layer), as planDelete allowed. */
export async function deleteLayer(elm: ElmClient, details: OsLayerDetails, plan: DeletePlan, report: Report): Promise<void> {
  const { inputs, share } = plan;
  const inFlight = await elm.findActiveTicketsForLayer(details.summary.name);
  if (inFlight.length > 0) {
    report(`canceling ${inFlight.length} ELM task(s) in progress on the layer`);
    await elm.cancelWorkTickets(inFlight.map((t) => t.id));
    for (const t of inFlight) await elm.waitForWorkTicket(t.id, { ...polling(), timeoutMs: 5 * 60_000 }).catch(() => undefined);
  }
  const fresh = await elm.osLayerDetails(details.summary.id);
  const r = await elm.deleteOsLayerRevisions({
    layerId: fresh.summary.id,
    revisionIds: fresh.revisions.map((x) => x.id),
    fileShareId: share.id,
    comment: auditComment(inputs, "delete"),
  });
  await elm.waitForWorkTicket(r.workTicketId, { ...polling(), deadline: minutes(inputs.deleteTimeout), onChange: ticketReporter(report) });
}
