/** Readers for request fields: local names (any prefix), missing → default, xsi:nil → absent. */
import { NS, XmlElement, attr, child, children } from "../../../provider/soap";

export function text(e: XmlElement | undefined, name: string): string {
  const c = child(e, name);
  if (!c || attr(c, "nil", NS.xsi) === "true") return "";
  return c.text.trim();
}

/** A number field; undefined when missing, empty or nil. Text that is not a number is a client error. */
export function optLong(e: XmlElement | undefined, name: string): number | undefined {
  const t = text(e, name);
  if (t === "") return undefined;
  const n = Number(t);
  if (!Number.isFinite(n)) throw new BadRequest(`There is an error in XML document: '${t}' is not a valid value for ${name}.`);
  return n;
}

export function long(e: XmlElement | undefined, name: string): number {
  return optLong(e, name) ?? 0;
}

export function bool(e: XmlElement | undefined, name: string): boolean {
  return text(e, name).toLowerCase() === "true";
}

export function longs(e: XmlElement | undefined, name: string): number[] {
  return children(child(e, name), "long").map((c) => {
    const n = Number(c.text.trim());
    if (!Number.isFinite(n)) throw new BadRequest(`There is an error in XML document: '${c.text.trim()}' is not a valid long in ${name}.`);
    return n;
  });
}

/** Malformed request content: ASMX answers with a soap:Client fault (HTTP 500). */
export class BadRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequest";
  }
}
