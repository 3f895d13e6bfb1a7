/**
 * Turns vim25 reply elements into plain values, driven by `xsi:type` (resolved by namespace,
 * so vCenter's `xsi:type` and vcsim's `XMLSchema-instance:type` read the same).
 */
import { NS, XmlElement, attr, child, children, xsiType } from "../soap";
import type { MoRef, ObjectContent, VimObject, VimValue } from "./types";

const NUMERIC = new Set(["int", "long", "short", "byte", "float", "double", "decimal", "integer", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte"]);

/** A `<x type="T">v</x>` element as a MoRef. */
export function decodeMoRef(el: XmlElement): MoRef {
  return { type: attr(el, "type", "") ?? attr(el, "type") ?? "", value: el.text.trim() };
}

function primitive(name: string, text: string): VimValue {
  if (name === "boolean") return text.trim() === "true" || text.trim() === "1";
  if (NUMERIC.has(name)) return Number(text.trim());
  return text;
}

/**
 * Decodes one value element. `hint` names the expected type where the schema is known and the
 * element carries no xsi:type (e.g. a field of a data object).
 */
export function decodeValue(el: XmlElement, hint?: string): VimValue {
  const t = xsiType(el);
  const type = t?.name ?? hint;
  if (t && t.ns === NS.xsd) return primitive(t.name, el.text);
  if (type === "ManagedObjectReference") return decodeMoRef(el);
  if (type && type.startsWith("ArrayOf")) {
    const item = type.slice("ArrayOf".length);
    return el.children.map((c) => decodeValue(c, primitiveName(item) ?? item));
  }
  if (type && primitiveName(type) && el.children.length === 0) return primitive(primitiveName(type)!, el.text);
  // An empty data object keeps its type: a LocalizedMethodFault's `<fault xsi:type="RequestCanceled"/>` is all it says.
  if (t && el.children.length === 0 && el.text === "") return { $type: t.name };
  if (el.children.length === 0) {
    // An untyped leaf: a moref if it has a plain `type` attribute, else text.
    if (attr(el, "type", "") !== undefined) return decodeMoRef(el);
    return el.text;
  }
  return decodeObject(el, type);
}

function primitiveName(type: string): string | undefined {
  const lower = type.charAt(0).toLowerCase() + type.slice(1);
  if (lower === "string" || lower === "boolean" || lower === "dateTime" || NUMERIC.has(lower)) return lower;
  return undefined;
}

/** A data object: each child becomes a field; repeated children become arrays. */
export function decodeObject(el: XmlElement, type?: string): VimObject {
  const out: VimObject = {};
  if (type) out.$type = type;
  const repeated = new Set<string>();
  for (const c of el.children) {
    const v = decodeValue(c);
    const prev = out[c.name];
    if (prev === undefined) out[c.name] = v;
    else if (repeated.has(c.name)) (prev as VimValue[]).push(v);
    else {
      out[c.name] = [prev, v];
      repeated.add(c.name);
    }
  }
  return out;
}

/** A field that may be repeated, always as an array. */
export function many<T extends VimValue>(v: VimValue | undefined): T[] {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v as T[];
  return [v as T];
}

/** The returnval of RetrievePropertiesEx/ContinueRetrievePropertiesEx/RetrieveProperties. */
export function decodeRetrieveResult(payload: XmlElement): { objects: ObjectContent[]; token?: string } {
  const returnvals = children(payload, "returnval");
  // RetrievePropertiesEx: one returnval {token?, objects[]}; RetrieveProperties: returnval[] = ObjectContent.
  // A returnval without `obj` is a RetrieveResult, possibly empty (`<returnval/>`: nothing matched).
  const ex = returnvals.length === 1 && !child(returnvals[0], "obj");
  const objectEls = ex ? children(returnvals[0], "objects") : returnvals;
  const token = ex ? child(returnvals[0], "token")?.text.trim() : undefined;
  return { objects: objectEls.map(decodeObjectContent), token: token || undefined };
}

export function decodeObjectContent(el: XmlElement): ObjectContent {
  const obj = decodeMoRef(child(el, "obj")!);
  const props: Record<string, VimValue> = {};
  for (const p of children(el, "propSet")) {
    const name = child(p, "name")?.text.trim() ?? "";
    const val = child(p, "val");
    if (name && val) props[name] = decodeValue(val);
  }
  const missing = children(el, "missingSet").map((m) => {
    const fault = child(m, "fault");
    const inner = child(fault, "fault");
    return {
      path: child(m, "path")?.text.trim() ?? "",
      fault: (inner && xsiType(inner)?.name) ?? "Unknown",
      message: child(fault, "localizedMessage")?.text,
    };
  });
  return { obj, props, missing };
}

/*
 * Field readers. Fields inside data objects carry no xsi:type on the wire, so numbers and
 * booleans arrive as text there; these accept both forms.
 */
export function asObject(v: VimValue | undefined): VimObject {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as VimObject) : {};
}
export function asString(v: VimValue | undefined): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
}
export function asNumber(v: VimValue | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  return undefined;
}
export function asBool(v: VimValue | undefined): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  return undefined;
}
