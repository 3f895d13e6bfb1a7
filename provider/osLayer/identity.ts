/**
 * Which appliance a layer lives on. State records the ELM's UniqueId and version at create; an
 * ELM answering with another UniqueId at the same address (a migration target, a test copy, a
 * wrong address) is never asked for the recorded layer id: the layer is looked up by name, and
 * every message says the appliance changed.
 */
import { ApplianceDetails, ElmClient, ElmError, OsLayerDetails } from "../elm";
import type { OsLayerOutputs } from "./types";

/** The appliance's identity; an ELM that refuses the query (no such operation) reports none. */
export async function applianceOf(elm: ElmClient): Promise<ApplianceDetails> {
  try {
    return await elm.applianceDetails();
  } catch (err) {
    if (err instanceof ElmError) return { id: 0, name: "", uniqueId: "", softwareVersion: "", hostName: "", ipAddress: "", needsAttention: false };
    throw err;
  }
}

/** Says how the appliance differs from the recorded one, or undefined when it is the same (or nothing was recorded). */
export function applianceChange(old: Partial<Pick<OsLayerOutputs, "elmUniqueId" | "elmVersion">>, now: Pick<ApplianceDetails, "uniqueId" | "softwareVersion">, url: string): string | undefined {
  if (!old.elmUniqueId || !now.uniqueId || old.elmUniqueId === now.uniqueId) return undefined;
  return (
    `the ELM at ${url} is another appliance than the one this layer was created on ` +
    `(UniqueId ${old.elmUniqueId} → ${now.uniqueId}, App Layering ${old.elmVersion || "?"} → ${now.softwareVersion || "?"})`
  );
}

export interface Located {
  details: OsLayerDetails | undefined;
  appliance: ApplianceDetails;
  /** Set when the appliance changed: what was done about it. */
  changed?: string;
}

/** The layer: by its recorded id on the same appliance, by name (with a message) on another. */
export async function locateLayer(elm: ElmClient, id: string, old: Partial<OsLayerOutputs>, name: string): Promise<Located> {
  const appliance = await applianceOf(elm);
  const change = applianceChange(old, appliance, elm.url);
  // outputs.layerId, not the resource id: an update that found the layer by name keeps the old id.
  if (!change) return { details: await elm.tryOsLayerDetails(Number(old.layerId || id)), appliance };
  const found = await elm.findOsLayerByName(name);
  const details = found ? await elm.tryOsLayerDetails(found.id) : undefined;
  const what = details
    ? `layer ${id} is not looked up there by id; found layer "${name}" by name (id ${details.summary.id})`
    : `layer ${id} is not looked up there by id, and no layer named "${name}" exists there`;
  return { details, appliance, changed: `${change}: ${what}` };
}
