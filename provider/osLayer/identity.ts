/**
 * Which appliance a layer lives on. State records the ELM's UniqueId and version at create; on an
 * ELM answering with another UniqueId at the same address (a migration target, a test copy, a
 * wrong address) the recorded layer id is never used: the layer is looked up by name, and every
 * message says the appliance changed. A refresh skips that question when the layer at the recorded
 * id bears the recorded layerGuid (see locateLayer).
 */
import { ApplianceDetails, ElmClient, ElmError, OsLayerDetails } from "../elm";
import type { OsLayerOutputs } from "./types";

/** The appliance's identity; an ELM that refuses the query (no such operation) reports none. */
export async function applianceOf(elm: ElmClient, sameLogin = false): Promise<ApplianceDetails> {
  try {
    return await (sameLogin ? elm.applianceDetailsOfThisLogin() : elm.applianceDetails());
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
  /** The appliance asked; or, when `recorded` is set, the one recorded in state (UniqueId and version, the rest empty). */
  appliance: ApplianceDetails;
  /** Set when the appliance was not asked: the layer at the recorded id bore the recorded GUID. */
  recorded?: true;
  /** Set when the appliance changed: what was done about it. */
  changed?: string;
}

export interface LocateOptions {
  /**
   * Trust a by-id read that bears the recorded layerGuid without asking the appliance's identity
   * (read only: update and delete ask, and update needs the live version for assertSupports).
   */
  byGuid?: boolean;
}

/** The appliance as state recorded it, for a layer proven by its GUID: nothing was asked. */
function recordedAppliance(old: Partial<OsLayerOutputs>): ApplianceDetails {
  return { id: 0, name: "", uniqueId: old.elmUniqueId ?? "", softwareVersion: old.elmVersion ?? "", hostName: "", ipAddress: "", needsAttention: false };
}

/** The layer: by its recorded id on the same appliance, by name (with a message) on another. */
export async function locateLayer(elm: ElmClient, id: string, old: Partial<OsLayerOutputs>, name: string, opts: LocateOptions = {}): Promise<Located> {
  // By id first: the read proves the login (an appliance swapped at the address ended it, and
  // the client logged in again), so the appliance's identity may be the one asked once per login.
  // On another appliance, the answer by id is not used. outputs.layerId, not the resource id: an
  // update that found the layer by name keeps the old id.
  // A failure of the by-id read matters only on the recorded appliance: on another one, the id
  // means nothing and the layer is looked up by name whatever it answered. (A failed read proves
  // no login: an identity cached for it can only make the lookup fail, never use the id.)
  const byId = await elm.tryOsLayerDetails(Number(old.layerId || id)).then(
    (details) => ({ details }),
    (err: unknown) => ({ err }),
  );
  // A GUID is the layer's own mark: another appliance at the address has other GUIDs for its
  // layers, even where an id or a name is the same. The recorded GUID at the recorded id proves
  // the object, and the identity query is not needed (a refresh of N layers stays at N+1 calls).
  // No GUID recorded (state of an older version), another GUID, or no layer at the id: asked.
  const guid = typeof old.layerGuid === "string" ? old.layerGuid.toLowerCase() : "";
  if (opts.byGuid && guid && "details" in byId && byId.details?.guid.toLowerCase() === guid) {
    return { details: byId.details, appliance: recordedAppliance(old), recorded: true };
  }
  const appliance = await applianceOf(elm, true);
  const change = applianceChange(old, appliance, elm.url);
  if (!change) {
    if ("err" in byId) throw byId.err;
    return { details: byId.details, appliance };
  }
  const found = await elm.findOsLayerByName(name);
  const details = found ? await elm.tryOsLayerDetails(found.id) : undefined;
  const what = details
    ? `layer ${id}'s id is not used there; found layer "${name}" by name (id ${details.summary.id})`
    : `layer ${id}'s id is not used there, and no layer named "${name}" exists there`;
  return { details, appliance, changed: `${change}: ${what}` };
}
