/**
 * What the simulated ELM does for each mutation: checks like the appliance, state changes, and the
 * work ticket's steps (durations in simulated seconds).
 */
import { Step } from "./engine";
import { SimElmError, duplicate, invalidArgument, invalidState, notFound } from "./errors";
import { SimLayer, SimRevision, SimTicket, TicketState } from "./model";
import { checkOvfOnShare } from "./ovfCheck";
import { ElmWorld, InjectedOutcome } from "./world";

const validation = (property: string, message: string) =>
  new SimElmError("ValidationFailureCategory", "Validation failed", message, "", { Param0: property });

export interface ImportInput {
  user: string;
  shareId: number;
  diskFilename: string;
  connectorId: string;
  platformData: string;
  layerName: string;
  layerDescription: string;
  iconId: number;
  folder: string;
  versionName: string;
  versionDescription: string;
  scriptPath: string;
  sizeMiB: number;
  comment: string;
}

export async function importOs(w: ElmWorld, i: ImportInput): Promise<{ ticket: SimTicket; layer: SimLayer }> {
  if (!i.layerName.trim()) throw validation("LayerInfo.Name", "The layer name is required.");
  if (!i.versionName.trim()) throw validation("RevisionInfo.Name", "The version is required.");
  if (w.layerByName(i.layerName)) throw duplicate("layer", i.layerName);
  const share = w.share(i.shareId);
  if (i.iconId && !w.icons.includes(i.iconId)) throw notFound("icon", i.iconId);
  let source: string;
  if (i.platformData) {
    w.connector(i.connectorId);
    source = vmFromPlatformData(i.platformData);
  } else if (i.diskFilename) {
    if (i.connectorId) w.connector(i.connectorId);
    await checkOvfOnShare(share, i.diskFilename);
    source = i.diskFilename;
  } else {
    throw new SimElmError("ValidationFailureCategory", "Platform data missing", "Select the OS machine to import, or a disk file on the network file share.");
  }
  const now = w.now();
  const layer: SimLayer = {
    id: w.alloc(),
    name: i.layerName,
    description: i.layerDescription,
    iconId: i.iconId || 196608,
    folder: i.folder,
    scriptPath: i.scriptPath,
    guid: w.guid(),
    operatingSystem: "Windows202264",
    dateCreated: now,
    dateLastModified: now,
    revisions: [],
  };
  const rev = newRevision(w, layer, i.versionName, i.versionDescription, i.sizeMiB || 61440, i.user, "");
  rev.imported = true;
  rev.scriptPath = i.scriptPath;
  layer.revisions.push(rev);
  w.layers.set(layer.id, layer);
  w.addAudit(layer, i.user, i.comment, `Created OS layer '${layer.name}' version '${rev.versionName}' from ${source}`);
  const outcome = w.takeInjectedOutcome();
  const ticket = w.startTicket("ImportOs", layer, rev, i.user, (t) => [
    { state: "Pending", status: "Waiting to start", seconds: 2 },
    { state: "Running", status: `Importing the operating system from ${source}`, seconds: 30, progress: true },
    outcome
      ? failStep(w, t, outcome, "Importing the operating system")
      : { state: "Complete", status: "The OS layer version is ready.", onEnter: () => finishRevision(w, rev) },
  ]);
  return { ticket, layer };
}

function vmFromPlatformData(json: string): string {
  let data: { VmId?: { $value?: string }; VmName?: string; vmUuid?: string; vmName?: string };
  try {
    data = JSON.parse(json) as typeof data;
  } catch {
    throw invalidArgument("PlatformData", json.slice(0, 80), "The platform data is not valid JSON.");
  }
  const vm = data.VmId?.$value ?? data.vmUuid;
  if (!vm) throw invalidArgument("PlatformData", json.slice(0, 80), "The platform data names no virtual machine (VmId).");
  return `virtual machine '${data.VmName ?? data.vmName ?? vm}' (${vm})`;
}

function newRevision(w: ElmWorld, layer: SimLayer, name: string, description: string, sizeMiB: number, user: string, parentGuid: string): SimRevision {
  const now = w.now();
  return {
    id: w.alloc(),
    layerId: layer.id,
    revision: Math.max(0, ...layer.revisions.map((r) => r.revision)) + 1,
    guid: w.guid(),
    parentGuid,
    versionName: name,
    description,
    state: "Editing",
    sizeMiB,
    diskFileSize: 0,
    imagesUsing: [],
    imported: false,
    scriptPath: "",
    dateCreated: now,
    dateLastEdited: now,
    whoLastEdited: user,
  };
}

function finishRevision(w: ElmWorld, rev: SimRevision): void {
  rev.state = "Deployable";
  rev.diskFileSize = Math.round(rev.sizeMiB * 1024 * 1024 * 0.3);
  rev.dateLastEdited = w.now();
  w.removeMachine(rev.id);
}

export interface CreateRevisionInput {
  user: string;
  layerId: number;
  versionName: string;
  versionDescription: string;
  scriptPath: string;
  sizeMiB: number;
  shareId: number;
  packagingDiskFilename: string;
  packagingDiskFormat: string;
  connectorId: string;
  baseRevisionId: number | undefined;
  comment: string;
}

export function createRevision(w: ElmWorld, i: CreateRevisionInput): { ticket: SimTicket; rev: SimRevision } {
  const layer = w.layer(i.layerId);
  w.assertIdle(layer);
  // Without an explicit base the ELM takes the latest version, whatever its state (Packer 1.1.0's bug).
  const base =
    i.baseRevisionId === undefined
      ? [...layer.revisions].sort((a, b) => b.revision - a.revision)[0]
      : layer.revisions.find((r) => r.id === i.baseRevisionId);
  if (!base) throw notFound("layer revision", i.baseRevisionId ?? "(latest)");
  if (base.state !== "Deployable") {
    throw invalidState(layer.name, "Deployable", base.state, `Version '${base.versionName}' of layer '${layer.name}' is ${base.state}; a new version can only be based on a Deployable version.`);
  }
  if (!i.versionName.trim()) throw validation("RevisionInfo.Name", "The version is required.");
  if (layer.revisions.some((r) => r.versionName === i.versionName)) throw duplicate("version of this layer", i.versionName);
  w.share(i.shareId);
  const connector = w.connector(i.connectorId);
  if (i.packagingDiskFormat && !connector.validDiskFormats.includes(i.packagingDiskFormat)) {
    throw invalidArgument("PackagingDiskFormat", i.packagingDiskFormat, `The connector '${connector.name}' cannot create ${i.packagingDiskFormat} disks; use one of ${connector.validDiskFormats.join(", ")}.`);
  }
  const rev = newRevision(w, layer, i.versionName, i.versionDescription, i.sizeMiB || base.sizeMiB, i.user, base.guid);
  rev.scriptPath = i.scriptPath;
  layer.revisions.push(rev);
  layer.dateLastModified = w.now();
  w.addAudit(layer, i.user, i.comment, `Added version '${rev.versionName}' to OS layer '${layer.name}' (based on '${base.versionName}')`);
  const outcome = w.takeInjectedOutcome();
  const baseName = i.packagingDiskFilename || `${layer.name} ${rev.versionName}`;
  const ticket = w.startTicket("CreateOsLayerRevision", layer, rev, i.user, (t) => [
    { state: "Pending", status: "Waiting to start", seconds: 2 },
    { state: "Running", status: "Creating the packaging disk", seconds: 20, progress: true },
    outcome
      ? failStep(w, t, outcome, "Creating the packaging machine")
      : { state: "Running", status: "Creating the packaging machine", seconds: 10 },
    {
      state: "ActionRequired",
      status: "",
      onEnter: () => {
        const m = w.newMachine(layer, rev, t.id, baseName);
        const text =
          `The packaging machine '${m.name}' is running at ${m.ipAddress} in folder 'App Layering' of datacenter 'DC0'. ` +
          `Install the updates, then run Shutdown For Finalize` + (w.finalizeMode === "manual" ? " and Finalize the layer." : ".");
        t.status = text;
        t.workItem.status = text;
        t.workItem.itemType = "InstallMachine"; // EntityType has no VirtualMachine; the packaging machine is an InstallMachine
      },
    },
  ]);
  return { ticket, rev };
}

/** "Shutdown For Finalize" inside the packaging machine. */
export function shutdownMachine(w: ElmWorld, nameOrRevisionId: string | number): void {
  w.engine.advance();
  const m = [...w.machines.values()].find((x) => x.name === nameOrRevisionId || x.revisionId === Number(nameOrRevisionId));
  if (!m) throw new Error(`no packaging machine '${nameOrRevisionId}'; running: ${[...w.machines.values()].map((x) => x.name).join(", ") || "none"}`);
  const step = w.engine.current(m.ticketId);
  if (m.powerState === "poweredOff") return;
  if (step?.state !== "ActionRequired") throw new Error(`packaging machine '${m.name}' is not ready yet (its task is ${step?.state ?? "finished"})`);
  m.powerState = "poweredOff";
  if (w.hangInActionRequired) return;
  const { rev } = w.revision(m.revisionId);
  const steps: Step[] =
    w.finalizeMode === "manual"
      ? [
          { state: "Running", status: "The packaging machine was shut down; checking the layer", seconds: 3 },
          { state: "Complete", status: "The layer version is ready to finalize.", onEnter: () => void (rev.state = "Finalizable") },
        ]
      : [
          { state: "Running", status: "Finalizing the layer", seconds: 20, progress: true, onEnter: () => void (rev.state = "Finalizing") },
          { state: "Complete", status: "The OS layer version is ready.", onEnter: () => finishRevision(w, rev) },
        ];
  w.engine.resume(m.ticketId, steps);
}

export function finalize(w: ElmWorld, user: string, revisionId: number, comment: string): SimTicket {
  const { layer, rev } = w.revision(revisionId);
  w.assertIdle(layer);
  if (rev.state !== "Finalizable") {
    throw invalidState(layer.name, "Finalizable", rev.state, `Version '${rev.versionName}' of layer '${layer.name}' is ${rev.state} and cannot be finalized. Shut the packaging machine down for finalize first.`);
  }
  rev.state = "Finalizing";
  w.addAudit(layer, user, comment, `Finalized version '${rev.versionName}' of OS layer '${layer.name}'`);
  const outcome = w.takeInjectedOutcome();
  return w.startTicket("FinalizeLayerRevision", layer, rev, user, (t) => [
    { state: "Pending", status: "Waiting to start", seconds: 1 },
    { state: "Running", status: "Finalizing the layer", seconds: 20, progress: true },
    outcome ? failStep(w, t, outcome, "Finalizing the layer") : { state: "Complete", status: "The OS layer version is ready.", onEnter: () => finishRevision(w, rev) },
  ]);
}

export function deleteRevisions(w: ElmWorld, user: string, layerId: number, ids: number[], comment: string): SimTicket {
  const layer = w.layer(layerId);
  w.assertIdle(layer);
  if (ids.length === 0) throw invalidArgument("RevisionIds", "", "Select at least one version to delete.");
  const revs = ids.map((id) => layer.revisions.find((r) => r.id === id) ?? (() => { throw notFound("layer revision", id); })());
  const blocked = revs.filter((r) => r.imagesUsing.length > 0);
  if (blocked.length) {
    throw new SimElmError("CannotDeleteItemCategory", "Cannot delete", `Versions used by image templates cannot be deleted: ${blocked.map((r) => `'${r.versionName}' (used by ${r.imagesUsing.map((i) => i.name).join(", ")})`).join("; ")}.`, "", { Names: blocked.map((r) => r.versionName).join(", ") });
  }
  for (const r of revs) {
    r.stateBeforeDelete = r.state;
    r.state = "Deleting";
  }
  const all = revs.length === layer.revisions.length;
  w.addAudit(layer, user, comment, all ? `Deleted OS layer '${layer.name}'` : `Deleted versions ${revs.map((r) => `'${r.versionName}'`).join(", ")} of OS layer '${layer.name}'`);
  const outcome = w.takeInjectedOutcome();
  const ticket = w.startTicket("DeleteOsLayerRevisions", layer, revs[0], user, (t) => [
    { state: "Pending", status: "Waiting to start", seconds: 1 },
    { state: "Running", status: "Deleting layer versions", seconds: 5, progress: true },
    outcome ? failStep(w, t, outcome, "Deleting layer versions") : { state: "Complete", status: "The versions were deleted.", onEnter: () => revs.forEach((r) => w.removeRevision(layer, r.id)) },
  ], ids);
  ticket.resourceArgs = [layer.name, revs.map((r) => r.versionName).join(", ")];
  return ticket;
}

export function cancelTickets(w: ElmWorld, ids: number[]): void {
  w.engine.advance();
  for (const id of ids) {
    const t = w.tickets.get(id);
    if (!t) throw notFound("work ticket", id);
    if (w.engine.current(id) === undefined) {
      throw new SimElmError("CannotCancelCategory", "Cannot cancel", `Task ${id} has already finished (${t.state}) and cannot be canceled.`, "", { WorkItemId: String(t.workItem.id) });
    }
    w.engine.resume(id, [
      { state: "Canceling", status: "Canceling", seconds: 2 },
      { state: "Canceled", status: "The task was canceled.", onEnter: () => undoTicket(w, t, "Canceled") },
    ]);
  }
}

/** The terminal step of a ticket whose outcome a test injected. */
function failStep(w: ElmWorld, t: SimTicket, outcome: InjectedOutcome, what: string): Step {
  const status =
    outcome === "Failed"
      ? `${what} failed: the platform connector reported an error (failure injected by the simulator)`
      : outcome === "DoneWithErrors"
        ? `${what} finished with errors (injected by the simulator)`
        : `${what} was canceled (injected by the simulator)`;
  return { state: outcome as TicketState, status, onEnter: () => undoTicket(w, t, outcome) };
}

/** Effects of a ticket that did not complete. */
function undoTicket(w: ElmWorld, t: SimTicket, outcome: InjectedOutcome): void {
  const layer = w.layers.get(t.layerId);
  if (!layer) return;
  for (const revId of t.revisionIds) {
    const rev = layer.revisions.find((r) => r.id === revId);
    if (!rev) continue;
    if (t.kind === "DeleteOsLayerRevisions") {
      rev.state = rev.stateBeforeDelete ?? "Deployable";
    } else if (t.kind === "FinalizeLayerRevision") {
      rev.state = "Finalizable";
    } else if (outcome === "Canceled") {
      w.removeRevision(layer, rev.id);
    } else {
      rev.state = "Broken";
      w.removeMachine(rev.id);
    }
  }
}
