/**
 * What an update does to versions and image templates beyond adding a version: which templates
 * move to the wanted version (`updateImageTemplates`) and which old versions go (`keepVersions`).
 * One pure function of the recorded versions and the new inputs, so the preview's diff and the
 * update compute the same plan; the update then checks each step against the ELM before doing it.
 */
import type { OsLayerInputs, OsLayerVersion } from "./types";

export interface RetentionPlan {
  /** Templates to point at `inputs.version` (they use another version of this layer now). */
  moveTemplates: string[];
  /** Listed in updateImageTemplates but not using any version of this layer (an error at update). */
  unknownTemplates: string[];
  /** Versions to delete, oldest first. */
  deleteVersions: string[];
  /** Versions beyond keepVersions that stay, with the reason (warnings). */
  blocked: Array<{ version: string; reason: string }>;
}

/**
 * The versions as they will be after the update's new version: the recorded ones, with the wanted
 * version appended as Deployable when it is not among them, and the moved templates on it.
 */
function predicted(recorded: readonly OsLayerVersion[], inputs: OsLayerInputs, moving: ReadonlySet<string>): OsLayerVersion[] {
  const list = recorded.map((v) => {
    const before = v.imageTemplates ?? [];
    const after = before.filter((t) => !moving.has(t));
    // Its templates were what held it (CanDelete false) when they all move away; the update checks the ELM again.
    const freed = before.length > 0 && after.length === 0;
    return { ...v, imageTemplates: after, canDelete: freed ? true : v.canDelete };
  });
  let target = list.find((v) => v.name === inputs.version);
  if (!target) {
    target = { revisionId: "", name: inputs.version, state: "Deployable", canDelete: true, imageTemplates: [] };
    list.push(target);
  }
  target.imageTemplates = [...(target.imageTemplates ?? []), ...moving];
  return list;
}

export function planRetention(recorded: readonly OsLayerVersion[], inputs: OsLayerInputs): RetentionPlan {
  const using = new Map<string, string>(); // template -> version it uses now
  for (const v of recorded) for (const t of v.imageTemplates ?? []) using.set(t, v.name);
  const wanted = inputs.updateImageTemplates ?? [];
  const unknownTemplates = wanted.filter((t) => !using.has(t));
  const moveTemplates = wanted.filter((t) => using.has(t) && using.get(t) !== inputs.version);
  const plan: RetentionPlan = { moveTemplates, unknownTemplates, deleteVersions: [], blocked: [] };
  const keep = inputs.keepVersions;
  if (keep === undefined || typeof keep !== "number") return plan;

  const deployable = predicted(recorded, inputs, new Set(moveTemplates)).filter((v) => v.state === "Deployable");
  // keep >= 1 (check): the newest Deployable version is never among the excess.
  const excess = deployable.slice(0, Math.max(0, deployable.length - keep));
  for (const v of excess) {
    if (v.imageTemplates?.length) plan.blocked.push({ version: v.name, reason: `image template${v.imageTemplates.length > 1 ? "s" : ""} ${v.imageTemplates.join(", ")} use${v.imageTemplates.length > 1 ? "" : "s"} it` });
    else if (v.canDelete === false) plan.blocked.push({ version: v.name, reason: "the ELM does not allow deleting it (CanDelete is false: an app layer or another layer may need it)" });
    else plan.deleteVersions.push(v.name);
  }
  return plan;
}

/** Whether the plan changes anything in the ELM (then the resource needs an update). */
export function planChanges(plan: RetentionPlan): boolean {
  return plan.moveTemplates.length > 0 || plan.deleteVersions.length > 0;
}

/** The lines a preview shows for the plan: what the update will do, and what stays and why. */
export function describePlan(plan: RetentionPlan, inputs: OsLayerInputs): { info: string[]; warnings: string[] } {
  const info: string[] = [];
  const warnings: string[] = [];
  if (plan.moveTemplates.length) info.push(`the update points image template(s) ${plan.moveTemplates.join(", ")} at version ${inputs.version}`);
  if (plan.deleteVersions.length) info.push(`the update deletes version(s) ${plan.deleteVersions.join(", ")} (keepVersions ${inputs.keepVersions})`);
  for (const b of plan.blocked) warnings.push(`version ${b.version} is beyond keepVersions ${inputs.keepVersions} but stays: ${b.reason}`);
  if (plan.unknownTemplates.length) warnings.push(`updateImageTemplates: no image template named ${plan.unknownTemplates.join(", ")} uses this layer (as last read); the update will fail unless one does by then`);
  return { info, warnings };
}

/** Templates using a version older than `current` (by revision order). */
export function templatesBehind(versions: readonly OsLayerVersion[], current: string): string[] {
  const idx = versions.findIndex((v) => v.name === current);
  if (idx < 0) return [];
  return versions.slice(0, idx).flatMap((v) => v.imageTemplates ?? []).sort();
}
