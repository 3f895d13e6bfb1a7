/** Small serializers shared by the request builders (elements in XSD order, xsi:type where polymorphic). */
import { RawXml, XmlContent, el } from "../soap";
import type { MoRef } from "./types";

/** `<name type="T">value</name>`: a ManagedObjectReference where the schema declares one. */
export function moref(name: string, ref: MoRef): RawXml {
  return el(name, ref.value, { type: ref.type });
}

/** An element carrying `xsi:type` (required for subtypes of a declared base type). */
export function typed(name: string, xsiType: string, content: XmlContent): RawXml {
  return el(name, content, { "xsi:type": xsiType });
}

/** Optional element: nothing when the value is undefined. */
export function opt(name: string, value: string | number | boolean | undefined): RawXml | undefined {
  return value === undefined ? undefined : el(name, value);
}
