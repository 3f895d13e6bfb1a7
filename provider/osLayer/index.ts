/**
 * The OsLayer reconciler: what the dynamic-provider host calls (through the trampoline in
 * sdk/trampoline.ts) for an OsLayer resource.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ApplianceDetails, ElmClient, OsLayerDetails, revisionByVersion, newestDeployableRevision } from "../elm";
import { PartialFailure, withProvider } from "../errors";
import { Report, reporter, warner } from "../progress";
import { checkOsLayer } from "./check";
import { diffOsLayer } from "./diff";
import { withElm } from "./elm";
import { applianceChange, applianceOf, locateLayer } from "./identity";
import {
  VersionPending,
  assignTemplates,
  bindMark,
  deleteLayer,
  deleteVersions,
  editIfChanged,
  ensureVersion,
  importLayer,
  importedByUs,
  polling,
  waitImported,
} from "./lifecycle";
import { DeadlineError } from "../wait";
import { VersionPlan, planAssign, planDelete, planIcon, planImport, planRetire, planVersion } from "./plan";
import { describePlan, planChanges, planRetention } from "./retention";
import { Recorded, outputsOf } from "./state";
import { PackagingError } from "../packaging";
import type { PackagingProgress } from "../packaging/types";
import { plain } from "../wire";
import type { Reconciler } from "../reconciler";
import type { OsLayerInputs, OsLayerOutputs } from "./types";

type Provider = Reconciler<OsLayerInputs, OsLayerOutputs>;

/** Inputs as check() makes them: state written by an older version may lack later defaults. */
function inputsOf(raw: object): OsLayerInputs {
  return checkOsLayer(raw).inputs;
}

// check() takes the program's values as they come (any shape); the others what check() made of them.
export const check = async (_olds: object, news: object): Promise<pulumi.dynamic.CheckResult<OsLayerInputs>> => {
  const { inputs, failures } = checkOsLayer(news);
  return { inputs, failures };
};

/**
 * The inputs' diff, plus what the recorded versions say the update will do (templates to move,
 * versions beyond keepVersions to delete), plus whether the ELM is still the appliance the layer
 * was created on. The plan is printed here, so a preview shows it; update() computes the same one.
 */
export const diff: Provider["diff"] = async (_id, old, inputs) => {
  const d = diffOsLayer(old, inputs);
  if (d.replaces.length > 0) return d;
  const plan = planRetention(old.versions ?? [], inputs);
  const moved = await applianceChangedSince(old);
  const changes = d.changes || planChanges(plan) || moved !== undefined;
  if (changes) {
    const name = String(inputs.name);
    const { info, warnings } = describePlan(plan, inputs);
    if (moved) warner("OsLayer", name)(`${moved}: the update looks the layer up by name and records the new appliance`);
    info.forEach(reporter("OsLayer", name));
    warnings.forEach(warner("OsLayer", name));
  }
  return { ...d, changes };
};

/** How the appliance differs from the recorded one; undefined when the same, unrecorded, or not reachable now. */
async function applianceChangedSince(old: Partial<OsLayerOutputs>): Promise<string | undefined> {
  if (!old.elmUniqueId) return undefined;
  try {
    return await withElm(async (elm) => applianceChange(old, await applianceOf(elm), elm.url));
  } catch (err) {
    // The update asks again and acts on the answer; a preview without the ELM shows the inputs' diff.
    warner("OsLayer", String(old.name))(`could not ask the ELM which appliance it is (${err instanceof Error ? err.message : String(err)})`);
    return undefined;
  }
}

export const create: Provider["create"] = async (raw) => {
  const inputs = inputsOf(raw);
  const report = reporter("OsLayer", inputs.name);
  return withElm(async (elm) => {
    // Asked at the end: a call before the import would shift its timing against the ELM's clock.
    let appliance: ApplianceDetails | undefined;
    let layerId: number;
    let ticketId: number | undefined;
    const existing = await elm.findOsLayerByName(inputs.name);
    if (existing) {
      // A re-run after an interrupted create finds its own layer: a mark bound to this layer id in its audit history.
      if (!inputs.adoptExisting && !(await importedByUs(elm, existing.id, existing.name))) {
        throw new Error(
          `OsLayer.name: a layer named "${inputs.name}" already exists in the ELM (id ${existing.id}) and its audit history holds no ownership mark of this stack for it ` +
            `(nothing was changed): set adoptExisting: true to manage it with this stack, or choose another name`,
        );
      }
      report(`adopting existing layer ${existing.id}`);
      layerId = existing.id;
    } else {
      // Every lookup before ImportOs: a bad connector, share or icon changes nothing.
      const r = await importLayer(elm, await planImport(elm, inputs));
      layerId = r.layerId;
      ticketId = r.ticketId;
      report(`importing (layer ${layerId}, ELM task ${r.ticketId})`);
    }
    let details: OsLayerDetails | undefined;
    const progress: PackagingProgress = { stage: "", updates: [] };
    try {
      // Bound as soon as the id is known; an ELM that refuses edits while the import runs gets it once it is done.
      const unbound = ticketId !== undefined && !(await bindMark(elm, layerId, ticketId).then(() => true, () => false));
      details = await elm.osLayerDetails(layerId);
      // Right after ImportOs the version is being imported: nothing more to look up. A layer found
      // by name may need a version made, resumed or finalized, and an edit to a new icon.
      const version = await planVersion(elm, details, inputs);
      if (existing) await planIcon(elm, details, inputs);
      await ensureWanted(elm, details, inputs, version, report, progress, ticketId);
      if (unbound) await bindMark(elm, layerId, ticketId!);
      await editIfChanged(elm, await elm.osLayerDetails(layerId), inputs);
      details = await elm.osLayerDetails(layerId);
      appliance = await applianceOf(elm);
      const outs = outputsOf(inputs, details, revisionByVersion(details, inputs.version), undefined, { appliance, progress });
      return { id: String(layerId), outs: plain(outs) };
    } catch (err) {
      let now: OsLayerDetails | undefined;
      try {
        now = await elm.tryOsLayerDetails(layerId);
      } catch {
        // The ELM does not answer: record what we saw, or nothing (the re-run finds the layer by name).
        if (!details) throw err;
        now = details;
      }
      if (!now) {
        // The ELM removed the layer (its import was canceled or undone): nothing to record. When it
        // went before we looked (a fast cancel), the import's task holds the reason: report that.
        const reason = ticketId === undefined ? err : await importOutcome(elm, ticketId, err);
        const message = reason instanceof Error ? reason.message : String(reason);
        throw new Error(`${message}; the ELM no longer has layer ${layerId}, so nothing was recorded: the next \`pulumi up\` imports it anew`, { cause: err });
      }
      throw await partial(Promise.resolve(now), raw, inputs, err, "", { appliance: appliance ?? (await applianceOf(elm).catch(() => undefined)), progress });
    }
  });
};

/** The import task's end, as an error when it failed or was canceled; else the error we had. */
async function importOutcome(elm: ElmClient, ticketId: number, err: unknown): Promise<unknown> {
  try {
    await elm.waitForWorkTicket(ticketId, { ...polling(), deadline: Date.now() + 30_000 });
    return err;
  } catch (outcome) {
    return outcome instanceof DeadlineError ? err : outcome;
  }
}

export const read: Provider["read"] = async (id, props) => {
  const olds: Partial<OsLayerOutputs> = props ?? {};
  const inputs = inputsOf(olds);
  return withElm(async (elm) => {
    // By its GUID when recorded: one QueryOsLayerDetails per layer, the appliance then as recorded.
    const { details, appliance, changed } = await locateLayer(elm, id, olds, inputs.name, { byGuid: true });
    if (changed) warner("OsLayer", inputs.name)(changed);
    if (!details) return {};
    const pendingRev = olds.pendingVersion ? revisionByVersion(details, olds.pendingVersion) : undefined;
    const pending = pendingRev && pendingRev.state !== "Deployable" ? { revision: pendingRev, machine: olds.packagingMachine ?? "" } : undefined;
    const progress = { stage: olds.packagingStage ?? "", updates: olds.installedUpdates ?? [] };
    const outs = outputsOf(inputs, details, finishedRevision(details, olds.version), pending, { appliance, progress });
    return { id: String(details.summary.id), props: plain(outs) };
  });
};

export const update: Provider["update"] = async (id, old, news) => {
  const inputs = inputsOf(news);
  const report = reporter("OsLayer", inputs.name);
  const warn = warner("OsLayer", inputs.name);
  // From the recorded versions, as diff() computed it for the preview.
  const retention = planRetention(old.versions ?? [], inputs);
  return withElm(async (elm) => {
    const located = await locateLayer(elm, id, old, inputs.name);
    const appliance = located.appliance;
    if (located.changed) warn(located.changed);
    let details = located.details;
    if (!details) {
      throw new Error(
        `OsLayer ${inputs.name}: ` +
          (located.changed
            ? `${located.changed}; nothing was changed: check applayering:elmAddress, or run \`pulumi refresh\` so that the next \`pulumi up\` imports the layer on this appliance`
            : `layer ${id} no longer exists in the ELM: run \`pulumi refresh\` so that the next \`pulumi up\` creates it again`),
      );
    }
    const layerId = details.summary.id;
    // A new version starts with no updates; the same one resumed keeps those recorded so far.
    const fresh = old.version !== inputs.version && old.pendingVersion !== inputs.version;
    const progress: PackagingProgress = { stage: "", updates: fresh ? [] : [...(old.installedUpdates ?? [])] };
    try {
      const version = old.version !== inputs.version || old.pendingVersion ? await planVersion(elm, details, inputs) : undefined;
      await planIcon(elm, details, inputs);
      if (await editIfChanged(elm, details, inputs)) report("layer properties updated");
      details = await elm.osLayerDetails(layerId);
      if (version) await ensureWanted(elm, details, inputs, version, report, progress);
      // Templates and old versions once the wanted version is Deployable; each planned against the ELM as it is then.
      details = await elm.osLayerDetails(layerId);
      const assign = await planAssign(elm, details, retention, inputs, appliance);
      if (assign) await assignTemplates(elm, assign, report);
      // retention.blocked: diff() has warned about those, in the preview and again before this update.
      const retire = await planRetire(elm, layerId, retention, inputs, appliance);
      retire.gone.forEach((v) => report(`version ${v} is already gone`));
      retire.staying.forEach(warn);
      await deleteVersions(elm, retire, report);
      details = await elm.osLayerDetails(layerId);
      return { outs: plain(outputsOf(inputs, details, revisionByVersion(details, inputs.version), undefined, { appliance, progress })) };
    } catch (err) {
      const fallback = details;
      throw await partial(elm.osLayerDetails(layerId).catch(() => fallback), news, inputs, err, old.version, { appliance, progress });
    }
  });
};

const deleteImpl: Provider["delete"] = async (id, props) => {
  const inputs = inputsOf(props);
  const report = reporter("OsLayer", inputs.name);
  await withElm(async (elm) => {
    const { details, changed } = await locateLayer(elm, id, props, inputs.name);
    if (changed) warner("OsLayer", inputs.name)(changed);
    if (!details) return; // already gone: nothing to do
    await deleteLayer(elm, details, await planDelete(elm, details, inputs), report);
  });
};
export { deleteImpl as delete };

/** The module is the provider the trampoline calls; this holds it to the SDK's type (at compile time). */
export default { check, diff, create, read, update, delete: deleteImpl } satisfies Provider;

/**
 * Makes the wanted version Deployable, as planned: the import still running (a create interrupted
 * or past its deadline) is waited for under createTimeout; a version to add or resume goes
 * through ensureVersion.
 */
async function ensureWanted(
  elm: ElmClient,
  details: OsLayerDetails,
  inputs: OsLayerInputs,
  plan: VersionPlan,
  report: Report,
  progress: PackagingProgress,
  ticketId?: number,
): Promise<void> {
  switch (plan.step) {
    case "done":
      return;
    case "importing":
      await waitImported(elm, details.summary.id, inputs, report, ticketId);
      return;
    case "broken":
      throw new Error(
        `OsLayer ${inputs.name}: version ${inputs.version} is Broken in the ELM; delete that version in the ELM (or choose another version name) and run again`,
      );
    default:
      await ensureVersion(elm, details, inputs, plan, report, progress);
  }
}

/** The newest Deployable revision among those up to the version this resource last finished. */
function finishedRevision(details: OsLayerDetails, version: string | undefined) {
  const named = version ? revisionByVersion(details, version) : undefined;
  return named && named.state === "Deployable" ? named : newestDeployableRevision(details);
}

/**
 * After the layer exists, any failure is a partial one: the engine records the layer, and the
 * next `pulumi up` resumes. Outputs keep the last finished version so that the next diff shows
 * the change again.
 */
async function partial(
  detailsP: Promise<OsLayerDetails>,
  raw: object,
  inputs: OsLayerInputs,
  err: unknown,
  lastVersion = "",
  recorded: Recorded = {},
): Promise<Error> {
  const details = await detailsP;
  const message = err instanceof Error ? err.message : String(err);
  const pendingRev = revisionByVersion(details, inputs.version);
  const finished = lastVersion ? revisionByVersion(details, lastVersion) : undefined;
  const machine = err instanceof VersionPending || err instanceof PackagingError ? err.machine : "";
  const pending = pendingRev && pendingRev.state !== "Deployable" ? { revision: pendingRev, machine } : undefined;
  const outs = outputsOf(inputs, details, finished, pending, recorded);
  return new PartialFailure(String(details.summary.id), withProvider(raw, plain(outs)), message);
}
