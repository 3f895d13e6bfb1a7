/**
 * A small namespace-aware XML element tree, built while the bytes arrive (sax, streaming).
 *
 * vCenter writes `xsi:type="xsd:string"` while vcsim writes
 * `XMLSchema-instance:type="xsd:string"`; the ELM and its clients vary the envelope prefix.
 * So everything here is matched by namespace URI and local name, never by prefix.
 *
 * Replies come from peers we do not control: the parser holds only the tree it builds (no
 * whole-document string, no intermediate objects), refuses DOCTYPE (no entity expansion) and
 * stops at a nesting depth and an element count, so a hostile reply cannot exhaust the heap.
 */
import { SAXParser, type QualifiedTag } from "sax";

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

/** Thrown when a document is not well-formed XML, or breaks a parser limit. */
export class XmlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XmlParseError";
  }
}

export interface XmlLimits {
  /** Deepest element nesting accepted (vim25 and ELM replies stay far below it). */
  maxDepth: number;
  /** Most elements in one document. */
  maxElements: number;
}

export const XML_LIMITS: XmlLimits = { maxDepth: 64, maxElements: 1_000_000 };

interface Open {
  el: XmlElement;
  cdata: boolean;
}

/**
 * Incremental parser: `write()` each chunk as it arrives, `end()` returns the root. Every failure
 * (malformed XML, DOCTYPE, a limit) is an XmlParseError thrown by `write()`/`end()` — never from
 * inside an event listener — and the parser stays failed afterwards.
 */
export class XmlStreamParser {
  private readonly sax = new SAXParser(true, { xmlns: true, trim: false, normalize: false, position: false });
  private readonly stack: Open[] = [];
  private root: XmlElement | undefined;
  private count = 0;
  private failure: XmlParseError | undefined;

  constructor(private readonly limits: XmlLimits = XML_LIMITS) {
    const sax = this.sax;
    sax.onerror = (err: Error) => {
      this.fail(`malformed XML: ${String(err.message).split("\n")[0]}`);
    };
    sax.ondoctype = () => this.fail("a DOCTYPE is not accepted in a SOAP reply");
    sax.onopentag = (tag) => this.open(tag as QualifiedTag);
    sax.onclosetag = () => this.close();
    sax.ontext = (t: string) => this.textOf(t, false);
    sax.oncdata = (t: string) => this.textOf(t, true);
  }

  /** Feeds the next piece of the document. */
  write(chunk: string): void {
    this.check();
    try {
      this.sax.write(chunk);
    } catch (err) {
      if (!this.failure) this.fail(`malformed XML: ${firstLine(err)}`);
    }
    this.check();
  }

  /** Ends the document and returns its root element. */
  end(): XmlElement {
    this.check();
    try {
      this.sax.close();
    } catch (err) {
      if (!this.failure) this.fail(`malformed XML: ${firstLine(err)}`);
    }
    this.check();
    if (!this.root) throw new XmlParseError("malformed XML: no root element");
    return this.root;
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  // Listeners only record the failure; write() throws it once sax returns.
  private fail(message: string): void {
    if (this.failure) return;
    this.failure = new XmlParseError(message);
    this.sax.onopentag = this.sax.onclosetag = this.sax.ontext = this.sax.oncdata = () => undefined;
    this.sax.onerror = () => undefined;
  }

  private open(tag: QualifiedTag): void {
    if (this.stack.length >= this.limits.maxDepth) return this.fail(`XML nested deeper than ${this.limits.maxDepth} elements`);
    if (++this.count > this.limits.maxElements) return this.fail(`XML holds more than ${this.limits.maxElements} elements`);
    const parent = this.stack[this.stack.length - 1];
    const parentScope = parent?.el.scope ?? ROOT_SCOPE;
    let scope = parentScope as Record<string, string>;
    const attrs: XmlAttr[] = [];
    for (const a of Object.values(tag.attributes)) {
      if (a.uri === NS.xmlns) {
        if (scope === parentScope) scope = { ...parentScope };
        scope[a.prefix === "xmlns" ? a.local : ""] = a.value;
      } else {
        attrs.push({ name: a.local, ns: a.uri ?? "", value: a.value });
      }
    }
    const el: XmlElement = { name: tag.local, ns: tag.uri ?? "", attrs, children: [], text: "", scope };
    if (parent) parent.el.children.push(el);
    else this.root = el;
    this.stack.push({ el, cdata: false });
  }

  private close(): void {
    const top = this.stack.pop();
    // Whitespace between child elements is layout, not content (as xml2js reported it).
    if (top && !top.cdata && /^\s*$/.test(top.el.text)) top.el.text = "";
  }

  private textOf(t: string, cdata: boolean): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) return;
    top.el.text += t;
    if (cdata) top.cdata = true;
  }
}

const ROOT_SCOPE: Readonly<Record<string, string>> = { xml: "http://www.w3.org/XML/1998/namespace" };

/** Parses a whole document and returns its root element. */
export async function parseXml(text: string, limits: XmlLimits = XML_LIMITS): Promise<XmlElement> {
  const p = new XmlStreamParser(limits);
  p.write(text);
  return p.end();
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split("\n")[0];
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
