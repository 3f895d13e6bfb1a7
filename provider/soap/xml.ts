/**
 * A small namespace-aware XML element tree on top of xml2js.
 *
 * vCenter writes `xsi:type="xsd:string"` while vcsim writes
 * `XMLSchema-instance:type="xsd:string"`; the ELM and its clients vary the envelope prefix.
 * So everything here is matched by namespace URI and local name, never by prefix.
 */
import { Parser } from "xml2js";

export const NS = {
  soapEnv: "http://schemas.xmlsoap.org/soap/envelope/",
  xsi: "http://www.w3.org/2001/XMLSchema-instance",
  xsd: "http://www.w3.org/2001/XMLSchema",
  xmlns: "http://www.w3.org/2000/xmlns/",
} as const;

export interface XmlAttr {
  /** Local name, e.g. `type`. */
  name: string;
  /** Namespace URI of the attribute ("" for an unprefixed attribute). */
  ns: string;
  value: string;
}

export interface XmlElement {
  /** Local name, e.g. `Envelope`. */
  name: string;
  /** Namespace URI ("" when none is in scope). */
  ns: string;
  attrs: XmlAttr[];
  children: XmlElement[];
  /** The element's own text content (text of child elements not included). */
  text: string;
  /** Prefix → namespace URI declarations in scope at this element ("" is the default namespace). */
  scope: Readonly<Record<string, string>>;
}

/** Thrown when a document is not well-formed XML. */
export class XmlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XmlParseError";
  }
}

interface RawAttr { value: string; prefix: string; local: string; uri: string }
interface RawNode {
  "#name": string;
  $ns?: { uri: string; local: string };
  $?: Record<string, RawAttr>;
  $$?: RawNode[];
  _?: string;
}

/** Parses a whole document and returns its root element. */
export async function parseXml(text: string): Promise<XmlElement> {
  const parser = new Parser({
    xmlns: true,
    explicitRoot: false,
    explicitChildren: true,
    preserveChildrenOrder: true,
    charsAsChildren: false,
    explicitCharkey: true,
    trim: false,
    normalize: false,
    strict: true,
  });
  let raw: RawNode;
  try {
    raw = (await parser.parseStringPromise(text)) as RawNode;
  } catch (err) {
    throw new XmlParseError(`malformed XML: ${firstLine(err)}`);
  }
  if (!raw || typeof raw !== "object") throw new XmlParseError("malformed XML: no root element");
  return convert(raw, { xml: "http://www.w3.org/XML/1998/namespace" });
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split("\n")[0];
}

function convert(raw: RawNode, parentScope: Record<string, string>): XmlElement {
  let scope = parentScope;
  const attrs: XmlAttr[] = [];
  for (const a of Object.values(raw.$ ?? {})) {
    if (a.uri === NS.xmlns) {
      if (scope === parentScope) scope = { ...parentScope };
      scope[a.prefix === "xmlns" ? a.local : ""] = a.value;
    } else {
      attrs.push({ name: a.local, ns: a.uri ?? "", value: a.value });
    }
  }
  const qname = raw["#name"];
  const colon = qname.indexOf(":");
  return {
    name: raw.$ns?.local ?? (colon >= 0 ? qname.slice(colon + 1) : qname),
    ns: raw.$ns?.uri ?? "",
    attrs,
    children: (raw.$$ ?? []).map((c) => convert(c, scope)),
    text: raw._ ?? "",
    scope,
  };
}

/** The first child with this local name (in namespace `ns` when given, else any), or undefined. */
export function child(el: XmlElement | undefined, name: string, ns?: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name && (ns === undefined || c.ns === ns));
}

/** All children with this local name (in namespace `ns` when given, else any). */
export function children(el: XmlElement | undefined, name: string, ns?: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name && (ns === undefined || c.ns === ns)) : [];
}

/** Follows a path of local names, e.g. `path(env, "Body", "LoginResponse")`. */
export function path(el: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let cur = el;
  for (const n of names) cur = child(cur, n);
  return cur;
}

/** Text of the first child with this name, or undefined when there is no such child. */
export function childText(el: XmlElement | undefined, name: string): string | undefined {
  return child(el, name)?.text;
}

/** An attribute's value by local name; `ns` narrows it to one namespace. */
export function attr(el: XmlElement | undefined, name: string, ns?: string): string | undefined {
  return el?.attrs.find((a) => a.name === name && (ns === undefined || a.ns === ns))?.value;
}

/** Resolves a QName value such as `xsd:string` against the element's in-scope declarations. */
export function resolveQName(el: XmlElement, value: string): { ns: string; name: string } {
  const colon = value.indexOf(":");
  const prefix = colon >= 0 ? value.slice(0, colon) : "";
  return { ns: el.scope[prefix] ?? "", name: colon >= 0 ? value.slice(colon + 1) : value };
}

/** The element's `xsi:type`, resolved, whatever prefix the writer chose; undefined when absent. */
export function xsiType(el: XmlElement): { ns: string; name: string } | undefined {
  const v = attr(el, "type", NS.xsi);
  return v === undefined ? undefined : resolveQName(el, v);
}

/** Every element below `el` (depth first) with this local name. */
export function descendants(el: XmlElement, name: string, out: XmlElement[] = []): XmlElement[] {
  for (const c of el.children) {
    if (c.name === name) out.push(c);
    descendants(c, name, out);
  }
  return out;
}

// CR, LF and TAB as character references: a parser turns a literal CR into LF (and, in an attribute,
// CR/LF/TAB into spaces), so a password holding one would not survive the trip otherwise.
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#13;", "\n": "&#10;", "\t": "&#9;" };

/** Escapes text for element content and attribute values. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"'\r\n\t]/g, (c) => ESCAPES[c]);
}

/** A piece of already-serialized XML, inserted as is by `el()`. */
export class RawXml {
  constructor(readonly xml: string) {}
  toString(): string {
    return this.xml;
  }
}

export type XmlContent = string | number | boolean | RawXml | null | undefined | XmlContent[];

/**
 * Serializes one element. Text is escaped; `RawXml` (what `el()` returns) is inserted as is;
 * arrays are concatenated; null/undefined content gives an empty element. Attributes whose value
 * is undefined are left out.
 */
export function el(name: string, content?: XmlContent, attrs?: Record<string, string | undefined>): RawXml {
  let open = name;
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v !== undefined) open += ` ${k}="${escapeXml(v)}"`;
  }
  const inner = serializeContent(content);
  return new RawXml(inner === "" ? `<${open}/>` : `<${open}>${inner}</${name}>`);
}

function serializeContent(content: XmlContent): string {
  if (content === null || content === undefined) return "";
  if (content instanceof RawXml) return content.xml;
  if (Array.isArray(content)) return content.map(serializeContent).join("");
  return escapeXml(String(content));
}

/** Elements for each defined entry, in the given order (absent values are left out). */
export function fields(entries: Array<[string, XmlContent]>): RawXml {
  return new RawXml(
    entries
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => el(k, v).xml)
      .join(""),
  );
}
