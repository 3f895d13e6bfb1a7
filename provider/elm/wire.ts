/** ELM wire conventions: request envelopes in the service namespace and readers for result fields. */
import { NS, RawXml, XmlContent, XmlElement, attr, buildEnvelope, child, children, el, fields, xsiType } from "../soap";
import type { ElmErrorInfo } from "./errors";

export const ELM_NS = "http://www.unidesk.com/";

/** The wrapper element of an operation: `command` (mutations), `query` (reads), or none. */
export type Wrapper = "command" | "query" | "cmd" | null;

/** SOAPAction of an operation (unquoted, as both known clients send it). */
export function soapAction(op: string): string {
  return `${ELM_NS}${op}`;
}

/** `<soap:Envelope …><soap:Body><Op xmlns="http://www.unidesk.com/"><wrapper>…</wrapper></Op>…`. */
export function requestEnvelope(op: string, wrapper: Wrapper, content?: XmlContent): string {
  const inner = wrapper === null ? content : el(wrapper, content);
  return buildEnvelope(el(op, inner, { xmlns: ELM_NS }), { prefix: "soap" });
}

/** `Reason` (`ChangeSpecification`): the comment lands in the audit history. */
export function reason(comment: string | undefined): RawXml {
  return el("Reason", fields([["Description", comment ?? ""], ["ReferenceNumber", 0]]));
}

/** `<Name><long>1</long>…</Name>`. */
export function longList(name: string, ids: readonly number[]): RawXml {
  return el(name, ids.map((id) => el("long", String(id))));
}

/** An element with `xsi:nil="true"` (nullable value left empty). */
export function nil(name: string): RawXml {
  return el(name, null, { "xsi:nil": "true" });
}

/** Trimmed text of a child, "" when absent. */
export function str(e: XmlElement | undefined, name: string): string {
  return (child(e, name)?.text ?? "").trim();
}

/** Optional trimmed text: undefined when absent, empty or `xsi:nil`. */
export function optStr(e: XmlElement | undefined, name: string): string | undefined {
  const c = child(e, name);
  if (!c || attr(c, "nil", NS.xsi) === "true") return undefined;
  const t = c.text.trim();
  return t === "" ? undefined : t;
}

/** A numeric child; `fallback` when absent, empty or not a number. */
export function num(e: XmlElement | undefined, name: string, fallback = 0): number {
  const t = optStr(e, name);
  if (t === undefined) return fallback;
  const n = Number(t);
  return Number.isFinite(n) ? n : fallback;
}

export function optNum(e: XmlElement | undefined, name: string): number | undefined {
  const t = optStr(e, name);
  if (t === undefined) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

export function bool(e: XmlElement | undefined, name: string): boolean {
  return str(e, name).toLowerCase() === "true";
}

/** Texts of the items of a list wrapper, e.g. `ResourceArgs/string*`. */
export function texts(e: XmlElement | undefined, listName: string, itemName: string): string[] {
  return children(child(e, listName), itemName).map((c) => c.text.trim());
}

/** The result's `Error`, when it reports a failure (Go: non-empty Message; PS: present). */
export function resultError(result: XmlElement): ElmErrorInfo | undefined {
  const e = child(result, "Error");
  if (!e || attr(e, "nil", NS.xsi) === "true") return undefined;
  const category = child(e, "CategoryData");
  const categoryType = category ? xsiType(category)?.name : undefined;
  const info: ElmErrorInfo = {
    id: str(e, "MessageID") || categoryType || str(e, "DefaultTitle") || "UnknownError",
    category: categoryType,
    title: str(e, "Title") || str(e, "DefaultTitle"),
    message: str(e, "Message") || str(e, "ExceptionMessage"),
    details: str(e, "Details"),
  };
  if (!info.message && !info.title && e.children.length === 0 && e.text.trim() === "") return undefined;
  return info;
}
