/**
 * The binding layer: request fields read the way .NET's XmlSerializer binds them. A member binds
 * only from an element with its local name in the service namespace (any prefix); an element in
 * no namespace or another namespace binds nothing, so the member keeps its default (0, "", false,
 * absent), exactly like a missing element. Unknown elements are skipped; the first of duplicates
 * binds. `xsi:nil` reads as absent. A polymorphic member's `xsi:type` must name a type of the
 * service namespace. Every handler reads its input through these functions, never by local name.
 */
import { NS, XmlElement, attr, xsiType } from "../../provider/soap";
import { ELM_NS } from "./reply";

/** The element a member binds from: first child with this local name in the service namespace. */
export function field(e: XmlElement | undefined, name: string): XmlElement | undefined {
  return e?.children.find((c) => c.name === name && c.ns === ELM_NS);
}

/** The items of a list member, e.g. `RevisionIds/long*` or `RevisionChanges/LayerRevisionChange*`. */
export function items(e: XmlElement | undefined, listName: string, itemName: string): XmlElement[] {
  const list = field(e, listName);
  return list ? list.children.filter((c) => c.name === itemName && c.ns === ELM_NS) : [];
}

function isNil(c: XmlElement): boolean {
  return attr(c, "nil", NS.xsi) === "true";
}

/** A string member; "" when missing, nil or not bound. Leading/trailing space kept out (ids, names). */
export function text(e: XmlElement | undefined, name: string): string {
  const c = field(e, name);
  if (!c || isNil(c)) return "";
  return c.text.trim();
}

/** A string member exactly as sent (passwords: spaces are significant). */
export function rawText(e: XmlElement | undefined, name: string): string {
  const c = field(e, name);
  return !c || isNil(c) ? "" : c.text;
}

/** A number field; undefined when missing, empty or nil. Text that is not a number is a client error. */
export function optLong(e: XmlElement | undefined, name: string): number | undefined {
  const t = text(e, name);
  if (t === "") return undefined;
  return toLong(t, name);
}

export function long(e: XmlElement | undefined, name: string): number {
  return optLong(e, name) ?? 0;
}

export function bool(e: XmlElement | undefined, name: string): boolean {
  return text(e, name).toLowerCase() === "true";
}

export function longs(e: XmlElement | undefined, name: string): number[] {
  return items(e, name, "long").map((c) => toLong(c.text.trim(), name));
}

function toLong(t: string, name: string): number {
  const n = Number(t);
  if (!Number.isFinite(n)) throw new BadRequest(`There is an error in XML document: '${t}' is not a valid value for ${name}.`);
  return n;
}

/**
 * The `xsi:type` of a polymorphic member (e.g. `Filter`), resolved; undefined when absent. A type
 * outside the service namespace (an unprefixed name with no default namespace in scope) is what
 * XmlSerializer refuses with "The specified type was not recognized".
 */
export function polyType(e: XmlElement | undefined): string | undefined {
  if (!e) return undefined;
  const t = xsiType(e);
  if (!t) return undefined;
  if (t.ns !== ELM_NS) {
    throw new BadRequest(`There is an error in XML document. ---> The specified type was not recognized: name='${t.name}', namespace='${t.ns}', at <${e.name} xmlns='${e.ns}'>.`);
  }
  return t.name;
}

/** Malformed request content: ASMX answers with a soap:Client fault (HTTP 500). */
export class BadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequest";
  }
}
