/**
 * The OsLayer reconciler: what the dynamic-provider host calls (through the trampoline in
 * sdk/trampoline.ts) for an OsLayer resource.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ElmClient, OsLayerDetails, revisionByVersion, newestDeployableRevision } from "./elm";
import { PartialFailure, withProvider } from "./errors";
import { Report, reporter } from "./progress";
import { checkOsLayer } from "./osLayer/check";
import { diffOsLayer } from "./osLayer/diff";
import { withElm } from "./osLayer/elm";
import { VersionPending, bindMark, deleteLayer, editIfChanged, ensureVersion, importLayer, importedByUs, waitImported } from "./osLayer/lifecycle";
import { outputsOf } from "./osLayer/state";
import { plain } from "./wire";
import { PackagingError } from "./packaging";
import type { PackagingProgress } from "./packaging/types";
import type { OsLayerInputs, OsLayerOutputs } from "./osLayer/types";

type Props = Record<string, unknown>;

function inputsOf(raw: Props): OsLayerInputs {
  return checkOsLayer(raw).inputs;
}

export async function check(_olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
  const { inputs, failures } = checkOsLayer(news);
  return { inputs, failures };
}

export async function diff(_id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
  return diffOsLayer(olds as Partial<OsLayerOutputs>, news as unknown as OsLayerInputs);
}

export async function create(raw: Props): Promise<pulumi.dynamic.CreateResult> {
  const inputs = inputsOf(raw);
  const report = reporter("OsLayer", inputs.name);
  return withElm(async (elm) => {
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
      const r = await importLayer(elm, inputs);
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
      await ensureWanted(elm, details, inputs, report, progress, ticketId);
      if (unbound) await bindMark(elm, layerId, ticketId!);
      await editIfChanged(elm, await elm.osLayerDetails(layerId), inputs);
      details = await elm.osLayerDetails(layerId);
      const outs = outputsOf(inputs, details, revisionByVersion(details, inputs.version), undefined, progress);
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
        // The ELM removed the layer (its import was canceled or undone): nothing to record.
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(`${message}; the ELM no longer has layer ${layerId}, so nothing was recorded: the next \`pulumi up\` imports it anew`, { cause: err });
      }
      throw await partial(Promise.resolve(now), raw, inputs, err, "", progress);
    }
  });
}

export async function read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
  const olds = props as unknown as OsLayerOutputs;
  const inputs = inputsOf(props);
  return withElm(async (elm) => {
    const details = await elm.tryOsLayerDetails(Number(id));
    if (!details) return {};
    const pendingRev = olds.pendingVersion ? revisionByVersion(details, olds.pendingVersion) : undefined;
    const pending = pendingRev && pendingRev.state !== "Deployable" ? { revision: pendingRev, machine: olds.packagingMachine ?? "" } : undefined;
    const outs = outputsOf(inputs, details, finishedRevision(details, olds.version), pending, {
      stage: olds.packagingStage ?? "",
      updates: olds.installedUpdates ?? [],
    });
    return { id, props: plain(outs) };
  });
}

export async function update(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
  const old = olds as unknown as OsLayerOutputs;
  const inputs = inputsOf(news);
  const report = reporter("OsLayer", inputs.name);
  return withElm(async (elm) => {
    let details = await elm.tryOsLayerDetails(Number(id));
    if (!details) {
      throw new Error(
        `OsLayer ${inputs.name}: layer ${id} no longer exists in the ELM: run \`pulumi refresh\` so that the next \`pulumi up\` creates it again`,
      );
    }
    // A new version starts with no updates; the same one resumed keeps those recorded so far.
    const fresh = old.version !== inputs.version && old.pendingVersion !== inputs.version;
    const progress: PackagingProgress = { stage: "", updates: fresh ? [] : [...(old.installedUpdates ?? [])] };
    try {
      if (await editIfChanged(elm, details, inputs)) report("layer properties updated");
      details = await elm.osLayerDetails(details.summary.id);
      if (old.version !== inputs.version || old.pendingVersion) await ensureWanted(elm, details, inputs, report, progress);
      details = await elm.osLayerDetails(details.summary.id);
      return { outs: plain(outputsOf(inputs, details, revisionByVersion(details, inputs.version), undefined, progress)) };
    } catch (err) {
      const fallback = details;
      throw await partial(elm.osLayerDetails(Number(id)).catch(() => fallback), news, inputs, err, old.version, progress);
    }
  });
}

async function deleteImpl(id: string, props: Props): Promise<void> {
  const inputs = inputsOf(props);
  const report = reporter("OsLayer", inputs.name);
  await withElm(async (elm) => {
    const details = await elm.tryOsLayerDetails(Number(id));
    if (!details) return; // already gone: nothing to do
    await deleteLayer(elm, details, inputs, report);
  });
}
export { deleteImpl as delete };

/**
 * Makes the wanted version Deployable: the import still running (a create interrupted or past its
 * deadline) is waited for under createTimeout; any other version goes through ensureVersion.
 */
async function ensureWanted(elm: ElmClient, details: OsLayerDetails, inputs: OsLayerInputs, report: Report, progress: PackagingProgress, ticketId?: number): Promise<void> {
  const first = details.revisions.length === 1 ? details.revisions[0] : undefined;
  if (first && first.versionName === inputs.version && first.state !== "Deployable") {
    await waitImported(elm, details.summary.id, inputs, report, ticketId);
  } else {
    await ensureVersion(elm, details, inputs, report, progress);
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
  raw: Props,
  inputs: OsLayerInputs,
  err: unknown,
  lastVersion = "",
  progress?: PackagingProgress,
): Promise<Error> {
  const details = await detailsP;
  const message = err instanceof Error ? err.message : String(err);
  const pendingRev = revisionByVersion(details, inputs.version);
  const finished = lastVersion ? revisionByVersion(details, lastVersion) : undefined;
  const machine = err instanceof VersionPending || err instanceof PackagingError ? err.machine : "";
  const pending = pendingRev && pendingRev.state !== "Deployable" ? { revision: pendingRev, machine } : undefined;
  const outs = outputsOf(inputs, details, finished, pending, progress);
  return new PartialFailure(String(details.summary.id), withProvider(raw, plain(outs)), message);
}
