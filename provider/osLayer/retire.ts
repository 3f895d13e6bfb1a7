/**
 * Carries out a VersionPlan (retention.ts) once the wanted version is Deployable: points the
 * templates at it, then deletes the versions beyond keepVersions. Each step is checked against the
 * ELM first (QueryImageByLayerRevision, CanDelete): a version that cannot go after all stays, named
 * in a warning; nothing outside the plan is touched.
 */
import { ApplianceDetails, ElmClient, OsLayerDetails, assertSupports, newestDeployableRevision, revisionByVersion } from "../elm";
import type { Report } from "../progress";
import { auditComment, deleteVersions, resolveShare } from "./lifecycle";
import { VersionPlan } from "./retention";
import type { OsLayerInputs } from "./types";

export async function applyPlan(
  elm: ElmClient,
  details: OsLayerDetails,
  plan: VersionPlan,
  inputs: OsLayerInputs,
  appliance: Pick<ApplianceDetails, "softwareVersion">,
  report: Report,
  warn: Report,
): Promise<void> {
  const layerId = details.summary.id;
  const wanted = [...plan.moveTemplates, ...plan.unknownTemplates];
  if (wanted.length) {
    const target = revisionByVersion(details, inputs.version);
    if (!target || target.state !== "Deployable") {
      throw new Error(`OsLayer.updateImageTemplates: version ${inputs.version} is not Deployable (${target?.state ?? "missing"}), so no template was moved; run again once it is`);
    }
    assertSupports(appliance, "QueryImageByLayerRevision", elm.url);
    assertSupports(appliance, "UpdateOsLayerAssignment", elm.url);
    const rows = await elm.imagesByLayerRevision(layerId);
    const missing = wanted.filter((n) => !rows.some((r) => r.name === n));
    if (missing.length) {
      const known = [...new Set(rows.map((r) => r.name))];
      throw new Error(
        `OsLayer.updateImageTemplates: no image template named ${missing.map((n) => `"${n}"`).join(", ")} uses layer "${details.summary.name}" ` +
          `(templates using it: ${known.length ? known.join(", ") : "none"}); correct the names or remove them from the list`,
      );
    }
    const moving = rows.filter((r) => wanted.includes(r.name) && r.revisionId !== target.id);
    if (moving.length) {
      await elm.updateOsLayerAssignment({ imageIds: [...new Set(moving.map((r) => r.id))], revisionId: target.id, comment: auditComment(inputs, "assign") });
      report(`image template(s) ${moving.map((r) => r.name).join(", ")} now use version ${target.versionName}`);
    }
  }
  // plan.blocked: diff() has warned about those, in the preview and again before this update.
  if (plan.deleteVersions.length === 0) return;

  assertSupports(appliance, "DeleteOsLayerRevisions", elm.url);
  assertSupports(appliance, "QueryImageByLayerRevision", elm.url);
  const fresh = await elm.osLayerDetails(layerId);
  const rows = await elm.imagesByLayerRevision(layerId);
  const newest = newestDeployableRevision(fresh);
  const going = [];
  for (const name of plan.deleteVersions) {
    const rev = revisionByVersion(fresh, name);
    const users = rev ? [...new Set(rows.filter((r) => r.revisionId === rev.id).map((r) => r.name))] : [];
    if (!rev) report(`version ${name} is already gone`);
    else if (rev.id === newest?.id) warn(`version ${name} stays: it is the newest Deployable version`);
    else if (users.length) warn(`version ${name} stays: image template(s) ${users.join(", ")} use it now`);
    else if (!rev.canDelete) warn(`version ${name} stays: the ELM does not allow deleting it now (CanDelete is false)`);
    else going.push(rev);
  }
  if (going.length === 0) return;
  report(`deleting version(s) ${going.map((r) => r.versionName).join(", ")} (keepVersions ${inputs.keepVersions})`);
  const share = await resolveShare(elm, inputs);
  await deleteVersions(elm, layerId, going.map((r) => r.id), share.id, inputs, report);
}
