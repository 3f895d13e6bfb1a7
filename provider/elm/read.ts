/** Readers from result XML to the typed views in types.ts. */
import { XmlElement, child, children } from "../soap";
import type { ImageUsing, LayerSummary, OsLayerDetails, OsLayerRevision, RevisionState, WorkItem, WorkItemState, WorkTicket } from "./types";
import { bool, num, optNum, optStr, str, texts } from "./wire";

export function readLayerSummary(e: XmlElement | undefined): LayerSummary {
  return {
    id: num(e, "Id"),
    name: str(e, "Name"),
    iconId: optNum(e, "ImageId"),
    type: str(e, "Type"),
    dateCreated: optStr(e, "DateCreated"),
    dateLastModified: optStr(e, "DateLastModified"),
    folder: str(e, "Folder"),
  };
}

function readImages(list: XmlElement | undefined): ImageUsing[] {
  return children(list, "ImageEntitySummary").map((i) => ({ id: num(i, "Id"), name: str(i, "Name") }));
}

export function readRevision(e: XmlElement): OsLayerRevision {
  return {
    layerId: num(e, "LayerId"),
    id: num(e, "Id"),
    revision: num(e, "Revision"),
    guid: str(e, "Guid"),
    parentGuid: str(e, "ParentGuid"),
    versionName: str(e, "DisplayedVersion"),
    description: str(e, "Description"),
    state: (str(e, "State") || "Invalid") as RevisionState,
    sizeMiB: num(e, "SizeMegs"),
    diskFileSizeBytes: num(e, "DiskFileSize"),
    canDelete: bool(e, "CanDelete"),
    imagesUsing: readImages(child(e, "ImagesUsing")),
    numberOfImagesUsing: num(e, "NumberOfImagesUsing"),
    imported: bool(e, "Imported"),
    dateCreated: optStr(e, "DateCreated"),
    whoLastEdited: str(e, "WhoLastEdited"),
  };
}

export function readOsLayerDetails(result: XmlElement): OsLayerDetails {
  const revisions = child(result, "Revisions")?.children.map(readRevision) ?? [];
  return {
    summary: readLayerSummary(child(result, "LayerSummary")),
    guid: str(result, "Guid"),
    description: str(result, "Description"),
    scriptPath: str(result, "ScriptPath"),
    operatingSystem: str(result, "OperatingSystem"),
    revisions: revisions.sort((a, b) => a.revision - b.revision),
    imagesUsing: readImages(child(result, "ImagesUsing")),
  };
}

export function readWorkItem(e: XmlElement): WorkItem {
  return {
    id: num(e, "Id"),
    workTicketId: num(e, "WorkTicketId"),
    itemId: num(e, "ItemId"),
    itemType: str(e, "ItemType"),
    itemName: str(e, "ItemName"),
    state: (str(e, "State") || "NotStarted") as WorkItemState,
    status: str(e, "Status"),
    isCancelable: bool(e, "IsCancelable"),
    cancelRequested: bool(e, "CancelRequested"),
  };
}

export function readWorkTicket(e: XmlElement): WorkTicket {
  return {
    id: num(e, "Id"),
    titleResourceId: str(e, "TitleResourceId"),
    resourceArgs: texts(e, "ResourceArgs", "string"),
    state: (str(e, "State") || "NotStarted") as WorkItemState,
    status: str(e, "Status"),
    description: str(e, "Description"),
    userName: str(e, "UserName"),
    dateCreated: optStr(e, "DateCreated"),
    dateLastModified: optStr(e, "DateLastModified"),
    workItems: children(child(e, "WorkItems"), "WorkItemResult").map(readWorkItem),
  };
}
