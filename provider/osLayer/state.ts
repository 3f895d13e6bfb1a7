import { DEFAULT_ICON_ID } from "../elm";
import type { ApplianceDetails, OsLayerDetails, OsLayerRevision } from "../elm";
import type { PackagingProgress } from "../packaging/types";
import { templatesBehind } from "./retention";
import type { OsLayerInputs, OsLayerOutputs, OsLayerVersion } from "./types";

export function versionsOf(details: OsLayerDetails): OsLayerVersion[] {
  return [...details.revisions]
    .sort((a, b) => a.revision - b.revision)
    .map((r) => ({
      revisionId: String(r.id),
      name: r.versionName,
      description: r.description || undefined,
      state: r.state,
      sizeMb: r.sizeMiB,
      canDelete: r.canDelete,
      imageTemplates: [...new Set(r.imagesUsing.map((i) => i.name))].sort(),
    }));
}

/** The packaging machine's name, from an ActionRequired status text that quotes it. */
export function packagingMachineFrom(status: string | undefined): string {
  const m = /["'“]([^"'”]+-\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.\d{3})["'”]/.exec(status ?? "");
  return m ? m[1] : "";
}

/** What outputs record beside the ELM's view of the layer: the appliance asked, the unattended packaging's progress. */
export interface Recorded {
  appliance?: Pick<ApplianceDetails, "uniqueId" | "softwareVersion">;
  progress?: PackagingProgress;
}

/**
 * Outputs from the ELM's view of the layer. `finished` is the revision of the newest finished
 * version this resource stands for; `pending` the one in progress, if any.
 */
export function outputsOf(
  inputs: OsLayerInputs,
  details: OsLayerDetails,
  finished: OsLayerRevision | undefined,
  pending?: { revision: OsLayerRevision; machine: string },
  { appliance, progress }: Recorded = {},
): OsLayerOutputs {
  const current = pending?.revision ?? finished;
  const versions = versionsOf(details);
  return {
    ...inputs,
    name: details.summary.name,
    description: details.description || undefined,
    icon: iconOf(inputs, details),
    version: finished?.versionName ?? "",
    versionDescription: finished ? finished.description || undefined : inputs.versionDescription,
    layerId: String(details.summary.id),
    layerGuid: details.guid,
    revisionId: current ? String(current.id) : "",
    revisionState: current?.state ?? "",
    versions,
    packagingMachine: pending?.machine ?? "",
    pendingVersion: pending ? pending.revision.versionName : "",
    templatesBehind: finished ? templatesBehind(versions, finished.versionName) : [],
    elmUniqueId: appliance?.uniqueId ?? "",
    elmVersion: appliance?.softwareVersion ?? "",
    packagingStage: pending ? (progress?.stage ?? "") : "",
    installedUpdates: progress?.updates ?? [],
  };
}

/** The ELM's icon as the program would say it: absent when it is the default the program left unset. */
function iconOf(inputs: OsLayerInputs, details: OsLayerDetails): string | undefined {
  const id = details.summary.iconId;
  if (id === undefined) return inputs.icon;
  if (inputs.icon === undefined && id === DEFAULT_ICON_ID) return undefined;
  return String(id);
}
