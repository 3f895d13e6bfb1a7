/** Result XML as an ASMX ELM writes it: WSDL member order, value types always present. */
import { RawXml, XmlContent, buildEnvelope, el, fields } from "../../provider/soap";
import { SimElmError } from "./errors";
import { PackagingMachine, SimLayer, SimRevision, SimTicket } from "./model";

export const ELM_NS = "http://www.unidesk.com/";

/** How XmlSerializer writes `default(DateTime)`. */
export const DOTNET_MIN_DATE = "0001-01-01T00:00:00";

export function iso(d: Date | undefined): string | undefined {
  return d?.toISOString();
}

/** `<Op>Response/<Op>Result` in an envelope. */
export function resultEnvelope(op: string, content: XmlContent): string {
  return buildEnvelope(el(`${op}Response`, el(`${op}Result`, content), { xmlns: ELM_NS }), { prefix: "soap" });
}

/** A result carrying `Error xsi:type="LocalizedError"` followed by the value-type fields the op always has. */
export function errorResult(op: string, e: SimElmError, valueFields: XmlContent): string {
  const category = el("CategoryData", fields(Object.entries(e.categoryFields)), { "xsi:type": e.category });
  const error = el("Error", [category, fields([["Title", e.title], ["Message", e.message], ["Details", e.details]])], { "xsi:type": "LocalizedError" });
  return resultEnvelope(op, [error, valueFields]);
}

/** A SOAP 1.1 fault as ASMX writes it (HTTP 500). */
export function faultEnvelope(code: "soap:Client" | "soap:Server", text: string): string {
  return buildEnvelope(el("soap:Fault", fields([["faultcode", code], ["faultstring", text], ["detail", ""]])), { prefix: "soap" });
}

export function layerSummary(name: string, l: SimLayer): RawXml {
  return el(name, fields([
    ["Id", l.id],
    ["ImageId", l.iconId],
    ["Name", l.name],
    ["Type", "OsLayer"],
    ["DateCreated", iso(l.dateCreated)],
    ["DateLastModified", iso(l.dateLastModified)],
    ["StatusFlags", "None"],
    ["Folder", l.folder],
  ]));
}

/** `ImageEntitySummary` items (the content of an `ImagesUsing` list). */
function images(list: { id: number; name: string }[]): RawXml[] {
  return list.map((i) => el("ImageEntitySummary", fields([["Id", i.id], ["Name", i.name], ["Type", "Image"]])));
}

export function revisionDetail(r: SimRevision): RawXml {
  return el("OsLayerRevisionDetail", fields([
    ["LayerId", r.layerId],
    ["Id", r.id],
    ["Revision", r.revision],
    ["ParentGuid", r.parentGuid || undefined],
    ["Guid", r.guid],
    ["DisplayedVersion", r.versionName],
    ["Description", r.description],
    ["DateCreated", iso(r.dateCreated)],
    ["DateLastEdited", iso(r.dateLastEdited)],
    ["State", r.state],
    ["ImagesUsing", images(r.imagesUsing)],
    ["NumberOfDesktopsUsing", 0],
    ["NumberOfImagesUsing", r.imagesUsing.length],
    ["NumberOfCollectionsUsing", 0],
    ["CanDelete", canDelete(r)],
    ["WhoLastEdited", r.whoLastEdited],
    ["SizeMegs", r.sizeMiB],
    ["DiskFileSize", r.diskFileSize],
    ["Imported", r.imported],
  ]));
}

export function canDelete(r: SimRevision): boolean {
  return r.imagesUsing.length === 0 && r.state !== "Deleting";
}

export function layerDetails(l: SimLayer): RawXml[] {
  return [
    layerSummary("LayerSummary", l),
    fields([
      ["Guid", l.guid],
      ["Description", l.description],
      ["CreationDate", iso(l.dateCreated)],
      ["LastChange", iso(l.dateLastModified)],
      ["Revisions", [...l.revisions].sort((a, b) => a.revision - b.revision).map(revisionDetail)],
      ["UniPoolsUsing", ""],
    ]),
    el("ImagesUsing", images(l.revisions.flatMap((r) => r.imagesUsing))),
    fields([
      ["ScriptPath", l.scriptPath],
      ["OperatingSystem", l.operatingSystem],
      ["NumberOfAppLayersUsing", 0],
      ["NumberOfPlatformLayersUsing", 0],
    ]),
  ];
}

export function workTicket(t: SimTicket, m: PackagingMachine | undefined): RawXml {
  const wi = t.workItem;
  return el("WorkTicketResult", fields([
    ["Id", t.id],
    ["TitleResourceId", t.titleResourceId],
    ["ResourceArgs", t.resourceArgs.map((a) => el("string", a))],
    ["State", t.state],
    ["Status", t.status],
    ["Description", ""],
    ["UserName", t.userName],
    ["DateCreated", iso(t.dateCreated)],
    ["DateLastModified", iso(t.dateLastModified)],
    ["Hidden", false],
    ["MustCancelAll", false],
    ["WorkItems", el("WorkItemResult", fields([
      ["Id", wi.id],
      ["WorkTicketId", t.id],
      ["ItemId", wi.itemId],
      ["CancelRequested", t.state === "Canceling"],
      ["IsCancelable", t.state !== "Canceling" && !["Complete", "Failed", "Canceled", "DoneWithErrors"].includes(t.state)],
      ["ItemType", wi.itemType],
      ["ItemName", m && wi.itemType === "InstallMachine" ? m.name : wi.itemName],
      ["State", wi.state],
      ["TimeoutInSec", 0],
      ["DateCreated", iso(t.dateCreated)],
      ["DateLastModified", iso(t.dateLastModified)],
      ["Status", wi.status],
    ]))],
  ]));
}
