/**
 * google.protobuf.Struct <-> wire values. The signature objects (secrets, unknown strings) need no
 * special case: on the wire they are ordinary JSON, exactly as the engine marshals them.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { JsonValue, PropertyMap } from "./wire";

export function toStruct(m: PropertyMap): Struct {
  return Struct.fromJavaScript(m);
}

/** A missing Struct decodes as `undefined`, which callers need to tell "absent" from "empty". */
export function fromStruct(s: Struct | undefined): PropertyMap | undefined {
  if (!s) return undefined;
  return s.toJavaScript() as { [key: string]: JsonValue };
}
