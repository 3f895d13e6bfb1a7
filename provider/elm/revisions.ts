/** OS layer versions: create from a base, finalize (classic ELMs), delete; wait for a revision state. */
import { child, fields } from "../soap";
import { ElmError } from "./errors";
import { readLayerSummary } from "./read";
import { queryOsLayerDetails, noTicket, revisionInfo } from "./layers";
import type { ElmSession } from "./session";
import type { ConnectorConfig, DiskFormat, ElmId, LayerInstallDisk, LayerSummary, OsLayerDetails, OsLayerRevision, RevisionState } from "./types";
import { bool, longList, nil, num, reason, str } from "./wire";
import { waitFor } from "../wait";
import { elmPollPolicy, type ElmPollOptions } from "./polling";
import { TRANSIENT_POLL_FAILURES, isTransient, pollDeadline } from "./transient";

/** The newest (highest `Revision`) Deployable revision: the base of a new version. */
export function newestDeployableRevision(details: OsLayerDetails): OsLayerRevision | undefined {
  return details.revisions.filter((r) => r.state === "Deployable").sort((a, b) => b.revision - a.revision)[0];
}

/** The revision with this version name (`DisplayedVersion`), if any. */
export function revisionByVersion(details: OsLayerDetails, versionName: string): OsLayerRevision | undefined {
  return details.revisions.find((r) => r.versionName === versionName);
}

export interface CreateOsLayerRevisionArgs {
  layerId: ElmId;
  versionName: string;
  versionDescription?: string;
  scriptPath?: string;
  /** Maximum size in MiB; the base revision's `sizeMiB` is the usual choice. */
  layerSizeMiB: number;
  fileShareId: ElmId;
  /** Name of the packaging disk/machine; conventionally `<layer> <version>`. */
  packagingDiskFilename: string;
  /** One of the connector's `validDiskFormats`. */
  packagingDiskFormat: DiskFormat;
  connectorConfigId: string;
  /** Always explicit: an omitted base makes the ELM use the latest version, whatever its state. */
  baseRevisionId: ElmId;
  platformLayerRevisionId?: ElmId;
  comment?: string;
}

/**
 * CreateOsLayerRevision arguments for a new version based on the newest Deployable revision, with
 * the usual defaults: the base's size, the connector's first valid disk format, and
 * `<layer> <version>` as packaging disk name. Throws when the layer has no Deployable version.
 */
export function newVersionArgs(
  details: OsLayerDetails,
  connector: ConnectorConfig,
  fileShareId: ElmId,
  versionName: string,
  opts: { versionDescription?: string; layerSizeMiB?: number; packagingDiskFilename?: string; comment?: string } = {},
): CreateOsLayerRevisionArgs {
  const base = newestDeployableRevision(details);
  if (!base) {
    throw new Error(
      `OS layer '${details.summary.name}' has no Deployable version to base version '${versionName}' on ` +
        `(versions: ${details.revisions.map((r) => `${r.versionName}=${r.state}`).join(", ") || "none"}); finish or delete the pending ones first`,
    );
  }
  const format = connector.validDiskFormats[0];
  if (!format) throw new Error(`platform connector '${connector.name}' lists no valid disk format; check its configuration in the ELM`);
  return {
    layerId: details.summary.id,
    versionName,
    versionDescription: opts.versionDescription,
    layerSizeMiB: opts.layerSizeMiB ?? base.sizeMiB,
    fileShareId,
    packagingDiskFilename: opts.packagingDiskFilename ?? `${details.summary.name} ${versionName}`,
    packagingDiskFormat: format,
    connectorConfigId: connector.id,
    baseRevisionId: base.id,
    comment: opts.comment,
  };
}

export interface CreateRevisionResult {
  revisionId: ElmId;
  workTicketId: ElmId;
}

/** `CreateOsLayerRevision`: the ELM builds a packaging machine and parks the ticket in ActionRequired. */
export async function createOsLayerRevision(session: ElmSession, a: CreateOsLayerRevisionArgs): Promise<CreateRevisionResult> {
  const command = [
    fields([["RevisionInfo", revisionInfo(a.versionName, a.versionDescription, a.scriptPath, a.layerSizeMiB)]]),
    fields([
      ["LayerId", a.layerId],
      ["SelectedFileShare", a.fileShareId],
      ["PackagingDiskFilename", a.packagingDiskFilename],
      ["PackagingDiskFormat", a.packagingDiskFormat],
      ["PlatformConnectorConfigId", a.connectorConfigId],
    ]),
    reason(a.comment),
    fields([["BaseLayerRevisionId", a.baseRevisionId]]),
    a.platformLayerRevisionId === undefined ? nil("PlatformLayerRevisionId") : fields([["PlatformLayerRevisionId", a.platformLayerRevisionId]]),
  ];
  const result = await session.call("CreateOsLayerRevision", "command", command);
  const workTicketId = num(result, "WorkTicketId");
  if (workTicketId === 0) throw noTicket(session, "CreateOsLayerRevision", a.versionName);
  return { revisionId: num(result, "RevisionId"), workTicketId };
}

/** `QueryLayerInstallDisk` (takes the layer id, not the revision id). */
export async function queryLayerInstallDisk(session: ElmSession, layerId: ElmId): Promise<LayerInstallDisk> {
  const r = await session.call("QueryLayerInstallDisk", "query", fields([["LayerId", layerId]]));
  return {
    diskUncPath: str(r, "DiskUncPath"),
    diskName: str(r, "DiskName"),
    packageDiskName: str(r, "PackageDiskName"),
    layerMayBeEmpty: bool(r, "LayerMayBeEmpty"),
  };
}

export interface FinalizeArgs {
  layerRevisionId: ElmId;
  fileShareId: ElmId;
  scriptPath?: string;
  comment?: string;
}

/**
 * `FinalizeLayerRevision` for a Finalizable revision (classic ELMs). The current WSDL returns no
 * ticket: follow with waitForRevisionState(…, ["Deployable"]). Sends exactly the members of
 * FinalizeLayerRevisionCommand (the PowerShell module's InstallDisk* extras are not in the WSDL).
 */
export async function finalizeLayerRevision(session: ElmSession, a: FinalizeArgs): Promise<void> {
  await session.call("FinalizeLayerRevision", "command", [
    fields([
      ["SelectedFileShare", a.fileShareId],
      ["LayerRevisionId", a.layerRevisionId],
      ["ScriptPath", a.scriptPath ?? ""],
    ]),
    reason(a.comment),
  ]);
}

export interface DeleteRevisionsArgs {
  layerId: ElmId;
  /** Deleting every revision deletes the layer. */
  revisionIds: ElmId[];
  fileShareId: ElmId;
  comment?: string;
}

export interface DeleteRevisionsResult {
  workTicketId: ElmId;
  layer: LayerSummary;
}

/** `DeleteOsLayerRevisions`: asynchronous; revisions go Deleting, then vanish. */
export async function deleteOsLayerRevisions(session: ElmSession, a: DeleteRevisionsArgs): Promise<DeleteRevisionsResult> {
  const result = await session.call("DeleteOsLayerRevisions", "command", [
    fields([["LayerId", a.layerId]]),
    longList("RevisionIds", a.revisionIds),
    reason(a.comment),
    fields([["SelectedFileShare", a.fileShareId]]),
  ]);
  const workTicketId = num(result, "WorkTicketId");
  if (workTicketId === 0) throw noTicket(session, "DeleteOsLayerRevisions", `layer ${a.layerId}`);
  return { workTicketId, layer: readLayerSummary(child(result, "LayerSummary")) };
}

export interface WaitRevisionOptions extends ElmPollOptions {
  /** Absolute deadline (ms since epoch). */
  deadline: number;
  signal?: AbortSignal;
  /** Called with the first state seen and on every change of the revision's state. */
  onChange?: (rev: OsLayerRevision) => void;
}

/**
 * Polls QueryOsLayerDetails (as elmPollPolicy says) until the revision reaches one of `states`;
 * throws an ElmError when it turns Broken or disappears, a DeadlineError naming the version when
 * the deadline passes (the ELM goes on with it: a rerun resumes it).
 */
export async function waitForRevisionState(
  session: ElmSession,
  layerId: ElmId,
  revisionId: ElmId,
  states: RevisionState[],
  opts: WaitRevisionOptions,
): Promise<OsLayerRevision> {
  return waitFor<OsLayerRevision, OsLayerRevision>(
    async ({ deadline }) => {
      const details = await queryOsLayerDetails(session, layerId, pollDeadline(deadline));
      const rev = details.revisions.find((r) => r.id === revisionId);
      if (!rev) throw new ElmError("QueryOsLayerDetails", session.url, { id: "OsLayerRevisionNotFound", title: "", message: `revision ${revisionId} of layer ${layerId} no longer exists`, details: "" }, "read the layer again");
      if (states.includes(rev.state)) return { done: true, value: rev, state: rev };
      if (rev.state === "Broken") {
        const broken = new ElmError("QueryOsLayerDetails", session.url, { id: "RevisionBroken", title: "", message: `version '${rev.versionName}' of layer ${layerId} is Broken`, details: "" }, "delete the version and create it again");
        return { done: true, error: broken, state: rev };
      }
      return { done: false, state: rev };
    },
    {
      ...elmPollPolicy(opts),
      awaited: `version ${revisionId} of layer ${layerId} at ${session.url} to become ${states.join(" or ")}`,
      deadline: opts.deadline,
      resumable: true,
      fix: "raise the timeout, or look at the layer's versions in the ELM",
      signal: opts.signal,
      transient: isTransient, // a failed poll (HTTP 500, bad reply) says nothing about the revision
      maxTransient: TRANSIENT_POLL_FAILURES,
      changeKey: (r) => r.state,
      onChange: opts.onChange,
      describe: (r) => `version '${r.versionName}' is still ${r.state}`,
    },
  );
}
