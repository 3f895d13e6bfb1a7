/** OS layers: list, details, import (from a vSphere VM or an OVF on the file share), edit. */
import { RawXml, XmlContent, child, el, fields } from "../soap";
import { ElmError } from "./errors";
import { readLayerSummary, readOsLayerDetails } from "./read";
import type { ElmSession } from "./session";
import type { ElmId, LayerSummary, OsLayerDetails } from "./types";
import { num, reason } from "./wire";

/** The PowerShell module's and Packer's default icon. */
export const DEFAULT_ICON_ID = 196608;

/** `QueryOsLayers`: every OS layer whose name matches `filter` in the ELM's own (loose) way. */
export async function queryOsLayers(session: ElmSession, filter = ""): Promise<LayerSummary[]> {
  const result = await session.call("QueryOsLayers", "query", fields([["Filter", filter]]));
  return child(result, "OsLayers")?.children.map(readLayerSummary) ?? [];
}

/** The OS layer with exactly this name, or undefined (the ELM's filter is only a hint). */
export async function findOsLayerByName(session: ElmSession, name: string): Promise<LayerSummary | undefined> {
  const layers = await queryOsLayers(session, name);
  return layers.find((l) => l.name === name);
}

/** `QueryOsLayerDetails`: the layer with its revisions (sorted by revision number). */
export async function queryOsLayerDetails(session: ElmSession, layerId: ElmId, deadline?: number): Promise<OsLayerDetails> {
  const result = await session.call("QueryOsLayerDetails", "query", fields([["Id", layerId]]), { deadline });
  if (!child(result, "LayerSummary")) {
    // A null result (no Error either): there is no layer to describe, and no reason given.
    throw new ElmError("QueryOsLayerDetails", session.url, { id: "NoResult", title: "", message: `the ELM returned no details for layer ${layerId}`, details: "" }, "look at the layer in the ELM's console");
  }
  return readOsLayerDetails(result);
}

/** Details, or undefined when the ELM says the layer does not exist. */
export async function tryQueryOsLayerDetails(session: ElmSession, layerId: ElmId): Promise<OsLayerDetails | undefined> {
  try {
    return await queryOsLayerDetails(session, layerId);
  } catch (err) {
    if (err instanceof ElmError && err.isNotFound()) return undefined;
    throw err;
  }
}

interface ImportOsCommon {
  layerName: string;
  layerDescription?: string;
  /** Default DEFAULT_ICON_ID. */
  iconId?: ElmId;
  folder?: string;
  versionName: string;
  versionDescription?: string;
  scriptPath?: string;
  /** Maximum layer size in MiB (thin provisioned). */
  layerSizeMiB: number;
  /** `QueryRemoteFileShares` id; the ELM stages data there. */
  fileShareId: ElmId;
  /** Audit comment (`Reason/Description`); put a correlation token here. */
  comment?: string;
}

/** Import the OS of a (shut down) vSphere VM through a platform connector. */
export interface ImportOsFromVmArgs extends ImportOsCommon {
  connectorConfigId: string;
  vm: { moref: string; name: string };
}

/** Import an OVF (or disk) that sits on the ELM's file share. */
export interface ImportOsFromShareArgs extends ImportOsCommon {
  /** Path relative to the share root, e.g. `os/win2022/win2022.ovf`. */
  diskFilename: string;
  /** Optional connector configuration id (the ELM's own wizard picks the file share). */
  connectorConfigId?: string;
  /** Size of the source volume in bytes, when known. */
  sourceVolumeSize?: number;
}

export interface ImportOsResult {
  workTicketId: ElmId;
  workItemId: ElmId;
  layer: LayerSummary;
}

/** `PlatformData` JSON for a vSphere VM, as the PowerShell module builds it. */
export function vspherePlatformData(vm: { moref: string; name: string }): string {
  return JSON.stringify({ VmId: { attributes: { type: "VirtualMachine" }, $value: vm.moref }, VmName: vm.name });
}

/** `ImportOs`: creates the layer and its first version; returns at once with the work ticket. */
export async function importOs(session: ElmSession, args: ImportOsFromVmArgs | ImportOsFromShareArgs): Promise<ImportOsResult> {
  const fromVm = "vm" in args;
  const command = fields([
    ["SelectedFileShare", args.fileShareId],
    ["DiskFilename", fromVm ? undefined : args.diskFilename],
    ["PlatformConnectorConfigId", args.connectorConfigId],
    ["PlatformAuditInfo", fromVm ? `OS Machine Name: ${args.vm.name}` : `OVF: ${args.diskFilename}`],
    ["PlatformData", fromVm ? vspherePlatformData(args.vm) : undefined],
    ["LayerInfo", layerInfo(args)],
    ["SourceVolumeSize", fromVm ? undefined : args.sourceVolumeSize],
    ["RevisionInfo", revisionInfo(args.versionName, args.versionDescription, args.scriptPath, args.layerSizeMiB)],
  ]);
  const result = await session.call("ImportOs", "command", [command, reason(args.comment)]);
  const workTicketId = num(result, "WorkTicketId");
  if (workTicketId === 0) throw noTicket(session, "ImportOs", args.layerName);
  return { workTicketId, workItemId: num(result, "WorkItemId"), layer: readLayerSummary(child(result, "LayerSummary")) };
}

function layerInfo(a: ImportOsCommon): RawXml {
  return fields([
    ["Name", a.layerName],
    ["Folder", a.folder],
    ["Description", a.layerDescription ?? ""],
    ["IconId", a.iconId ?? DEFAULT_ICON_ID],
  ]);
}

/** `RevisionInfo` content shared by ImportOs and CreateOsLayerRevision. */
export function revisionInfo(name: string, description: string | undefined, scriptPath: string | undefined, sizeMiB: number): RawXml {
  return fields([
    ["Name", name],
    ["Description", description ?? ""],
    ["ScriptPath", scriptPath],
    ["LayerSizeMiB", Math.round(sizeMiB)],
  ]);
}

export function noTicket(session: ElmSession, op: string, what: string): ElmError {
  return new ElmError(op, session.url, {
    id: "NoWorkTicket",
    title: "",
    message: `the ELM accepted ${op} for '${what}' but returned no work ticket`,
    details: "",
  }, "look at the ELM's Tasks page before running again");
}

/** The full property set EditLayer replaces (send everything, not just what changes). */
export interface EditLayerArgs {
  id: ElmId;
  name: string;
  description: string;
  iconId: ElmId;
  folder?: string;
  scriptPath: string;
  /** Every revision with its (new) version name and description. */
  revisions: Array<{ id: ElmId; name: string; description: string }>;
  comment?: string;
}

/** Current properties of a layer as EditLayerArgs, with `patch` applied (for a partial change). */
export function editLayerArgsFrom(details: OsLayerDetails, patch: Partial<Omit<EditLayerArgs, "id">> = {}): EditLayerArgs {
  return {
    id: details.summary.id,
    name: patch.name ?? details.summary.name,
    description: patch.description ?? details.description,
    iconId: patch.iconId ?? details.summary.iconId ?? DEFAULT_ICON_ID,
    folder: patch.folder ?? (details.summary.folder || undefined),
    scriptPath: patch.scriptPath ?? details.scriptPath,
    revisions: patch.revisions ?? details.revisions.map((r) => ({ id: r.id, name: r.versionName, description: r.description })),
    comment: patch.comment,
  };
}

/** `EditLayer` (synchronous): replaces name, description, icon, script path and version names. */
export async function editLayer(session: ElmSession, args: EditLayerArgs): Promise<LayerSummary> {
  const changes: XmlContent = args.revisions.map((r) =>
    el("LayerRevisionChange", fields([["Id", r.id], ["Name", r.name], ["Description", r.description]])),
  );
  const command = [
    fields([
      ["Id", args.id],
      ["Name", args.name],
      ["Description", args.description],
      ["IconId", args.iconId],
      ["Folder", args.folder],
      ["ScriptPath", args.scriptPath],
    ]),
    reason(args.comment),
    el("RevisionChanges", changes),
  ];
  const result = await session.call("EditLayer", "command", command);
  return readLayerSummary(child(result, "LayerSummary"));
}
