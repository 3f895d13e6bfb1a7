/**
 * An OsLayer operation decided and looked up before its first step: which of import, a new
 * version, a resumed one, an edit, a deletion, templates to move or old versions to delete it runs,
 * with every ELM lookup it needs (the connector, the file share, the icon, the version to base a
 * new one on, the templates using each version) resolved exactly once.
 * The lifecycle then runs straight through on the plan, and a bad name fails before any side effect.
 */
import type { ApplianceDetails, ConnectorConfig, ElmClient, FileShare, ImageWithRevision, OsLayerDetails, OsLayerRevision } from "../elm";
import { assertSupports, newestDeployableRevision, revisionByVersion } from "../elm";
import { asField, checkIcon, connectorFor, resolveShare } from "./lookups";
import type { RetentionPlan } from "./retention";
import type { OsLayerInputs } from "./types";

/** ImportOs of the layer's first version. */
export interface ImportPlan {
  inputs: OsLayerInputs;
  share: FileShare;
  connector: ConnectorConfig;
}

/** How `inputs.version` becomes Deployable on a layer that exists. */
export type VersionPlan =
  | { step: "done"; revision: OsLayerRevision }
  | { step: "broken" }
  /** The first version, still being imported (a create interrupted or past its deadline). */
  | { step: "importing" }
  | { step: "resume"; revision: OsLayerRevision; share: FileShare }
  | { step: "add"; base: OsLayerRevision; connector: ConnectorConfig; share: FileShare };

export interface DeletePlan {
  inputs: OsLayerInputs;
  share: FileShare;
}

const share = (elm: ElmClient, inputs: OsLayerInputs) => asField("fileShare", resolveShare(elm, inputs));

/** Before ImportOs: the share, the connector (and the layer size it allows), the icon. */
export async function planImport(elm: ElmClient, inputs: OsLayerInputs): Promise<ImportPlan> {
  const s = await share(elm, inputs);
  const connector = await connectorFor(elm, inputs);
  await checkIcon(elm, inputs);
  return { inputs, share: s, connector };
}

/**
 * What the wanted version needs, from what the ELM shows of the layer: nothing when it is
 * Deployable or still importing, the share to finalize it when it is in progress, and the
 * connector, the share and the version to base it on when it is yet to be made.
 */
export async function planVersion(elm: ElmClient, details: OsLayerDetails, inputs: OsLayerInputs): Promise<VersionPlan> {
  const first = details.revisions.length === 1 ? details.revisions[0] : undefined;
  if (first && first.versionName === inputs.version && first.state !== "Deployable") return { step: "importing" };
  const revision = revisionByVersion(details, inputs.version);
  if (revision?.state === "Deployable") return { step: "done", revision };
  if (revision?.state === "Broken") return { step: "broken" };
  if (revision) return { step: "resume", revision, share: await share(elm, inputs) };
  const base = newestDeployableRevision(details);
  if (!base) throw new Error(`OsLayer ${inputs.name}: no Deployable version to base ${inputs.version} on; finish or delete the versions in progress`);
  const connector = await connectorFor(elm, inputs);
  return { step: "add", base, connector, share: await share(elm, inputs) };
}

/** An edit that sets an icon the layer does not have yet: the ELM must have it (it would fail EditLayer half-way). */
export async function planIcon(elm: ElmClient, details: OsLayerDetails, inputs: OsLayerInputs): Promise<void> {
  if (inputs.icon !== undefined && details.summary.iconId !== Number(inputs.icon)) await checkIcon(elm, inputs);
}

/** Before deleting: refused while images use the layer (naming them); else the share the deletion goes through. */
export async function planDelete(elm: ElmClient, details: OsLayerDetails, inputs: OsLayerInputs): Promise<DeletePlan> {
  const images = [...details.imagesUsing, ...details.revisions.flatMap((r) => r.imagesUsing)];
  const names = [...new Set(images.map((i) => i.name))];
  if (names.length > 0) {
    throw new Error(`OsLayer ${inputs.name}: image templates use this layer (${names.join(", ")}); remove it from them in the ELM first, then run again`);
  }
  return { inputs, share: await resolveShare(elm, inputs) };
}

/** Image templates to point at the wanted version (updateImageTemplates), as the ELM lists them now. */
export interface AssignPlan {
  inputs: OsLayerInputs;
  target: OsLayerRevision;
  /** Those of the listed templates that use another version of the layer now. */
  moving: ImageWithRevision[];
}

/**
 * The templates `updateImageTemplates` moves, checked against the ELM: the wanted version must be
 * Deployable, the appliance must support the calls, and every listed name must use the layer
 * (else nothing moves, and the error names the templates that do). Undefined: nothing to move.
 */
export async function planAssign(
  elm: ElmClient,
  details: OsLayerDetails,
  retention: RetentionPlan,
  inputs: OsLayerInputs,
  appliance: Pick<ApplianceDetails, "softwareVersion">,
): Promise<AssignPlan | undefined> {
  const wanted = [...retention.moveTemplates, ...retention.unknownTemplates];
  if (wanted.length === 0) return undefined;
  const target = revisionByVersion(details, inputs.version);
  if (!target || target.state !== "Deployable") {
    throw new Error(`OsLayer.updateImageTemplates: version ${inputs.version} is not Deployable (${target?.state ?? "missing"}), so no template was moved; run again once it is`);
  }
  assertSupports(appliance, "QueryImageByLayerRevision", elm.url);
  assertSupports(appliance, "UpdateOsLayerAssignment", elm.url);
  const rows = await elm.imagesByLayerRevision(details.summary.id);
  const missing = wanted.filter((n) => !rows.some((r) => r.name === n));
  if (missing.length) {
    const known = [...new Set(rows.map((r) => r.name))];
    throw new Error(
      `OsLayer.updateImageTemplates: no image template named ${missing.map((n) => `"${n}"`).join(", ")} uses layer "${details.summary.name}" ` +
        `(templates using it: ${known.length ? known.join(", ") : "none"}); correct the names or remove them from the list`,
    );
  }
  const moving = rows.filter((r) => wanted.includes(r.name) && r.revisionId !== target.id);
  return moving.length ? { inputs, target, moving } : undefined;
}

/** The versions keepVersions deletes, as the ELM allows now, and those of the recorded plan that stay. */
export interface RetirePlan {
  inputs: OsLayerInputs;
  layerId: number;
  /** To delete (DeleteOsLayerRevisions through `share`); empty: nothing goes. */
  going: OsLayerRevision[];
  share?: FileShare;
  /** Planned versions the ELM no longer has. */
  gone: string[];
  /** Planned versions that stay, each with why (warnings). */
  staying: string[];
}

/**
 * The recorded plan's deletions checked against the ELM after the templates moved: a version the
 * ELM no longer has is skipped, the newest Deployable one, one a template uses now, or one the ELM
 * does not allow deleting (CanDelete) stays. Nothing outside the plan is touched.
 */
export async function planRetire(
  elm: ElmClient,
  layerId: number,
  retention: RetentionPlan,
  inputs: OsLayerInputs,
  appliance: Pick<ApplianceDetails, "softwareVersion">,
): Promise<RetirePlan> {
  const plan: RetirePlan = { inputs, layerId, going: [], gone: [], staying: [] };
  if (retention.deleteVersions.length === 0) return plan;
  assertSupports(appliance, "DeleteOsLayerRevisions", elm.url);
  assertSupports(appliance, "QueryImageByLayerRevision", elm.url);
  const fresh = await elm.osLayerDetails(layerId);
  const rows = await elm.imagesByLayerRevision(layerId);
  const newest = newestDeployableRevision(fresh);
  for (const name of retention.deleteVersions) {
    const rev = revisionByVersion(fresh, name);
    const users = rev ? [...new Set(rows.filter((r) => r.revisionId === rev.id).map((r) => r.name))] : [];
    if (!rev) plan.gone.push(name);
    else if (rev.id === newest?.id) plan.staying.push(`version ${name} stays: it is the newest Deployable version`);
    else if (users.length) plan.staying.push(`version ${name} stays: image template(s) ${users.join(", ")} use it now`);
    else if (!rev.canDelete) plan.staying.push(`version ${name} stays: the ELM does not allow deleting it now (CanDelete is false)`);
    else plan.going.push(rev);
  }
  if (plan.going.length) plan.share = await asField("fileShare", resolveShare(elm, inputs));
  return plan;
}
