/**
 * An OsLayer operation decided and looked up before its first step: which of import, a new
 * version, a resumed one, an edit or a deletion it runs, with every ELM lookup it needs (the
 * connector, the file share, the icon, the version to base a new one on) resolved exactly once.
 * The lifecycle then runs straight through on the plan, and a bad name fails before any side effect.
 */
import type { ConnectorConfig, ElmClient, FileShare, OsLayerDetails, OsLayerRevision } from "../elm";
import { newestDeployableRevision, revisionByVersion } from "../elm";
import { asField, checkIcon, connectorFor, resolveShare } from "./lookups";
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
