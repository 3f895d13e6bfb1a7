/**
 * Turns a declaration's inputs into wire values, playing the language SDK's part: references become
 * the referenced resource's output; during preview an output of a resource that is about to be
 * created, updated or replaced is unknown unless it is one of that resource's inputs (the engine
 * returns inputs as the predicted outputs of a provider without preview support, and the SDK leaves
 * every other output unknown). A reference to an output that does not exist is `undefined` in the
 * SDK, so the key is dropped (and an array element becomes null), as serialization does.
 */
import { Input, InputMap, OutputRef } from "./program";
import { JsonValue, makeSecret, PropertyMap, SECRET_SIG, SIG_KEY, UNKNOWN } from "./wire";

/** A resource's outputs as seen by later resources in the same run. */
export interface LiveResource {
  id: string;
  outputs: PropertyMap;
  /** Preview only: the resource will change, so `outputs` are its predicted inputs. */
  predicted: boolean;
}

export interface Resolved {
  props: PropertyMap;
  /** Names of the resources referenced. */
  references: string[];
}

const ABSENT = Symbol("absent");
type Maybe = JsonValue | typeof ABSENT;

export function resolveInputs(owner: string, inputs: InputMap, live: ReadonlyMap<string, LiveResource>): Resolved {
  const references = new Set<string>();

  const refValue = (r: OutputRef): Maybe => {
    const target = live.get(r.resource);
    if (!target) {
      throw new Error(`${owner}: input refers to ${r.describe()}, but "${r.resource}" is not declared before "${owner}" in the program`);
    }
    references.add(r.resource);
    if (typeof r.key !== "string") return target.id === "" ? UNKNOWN : target.id;
    const v = target.outputs[r.key];
    if (v === undefined) return target.predicted ? UNKNOWN : ABSENT;
    return v;
  };

  const walk = (v: Input | undefined): Maybe => {
    // undefined is what a JS program may pass for "not set": serialization drops it.
    if (v === undefined) return ABSENT;
    if (v instanceof OutputRef) return refValue(v);
    if (Array.isArray(v)) return v.map((x) => {
      const r = walk(x);
      return r === ABSENT ? null : r;
    });
    if (typeof v === "object" && v !== null) {
      const o = v as { [key: string]: Input };
      // secret(...) around a reference: resolve inside, keep the secret bit (an Output stays secret).
      if (o[SIG_KEY] === SECRET_SIG && "value" in o) {
        const inner = walk(o.value);
        return inner === ABSENT ? ABSENT : makeSecret(inner);
      }
      const out: PropertyMap = {};
      for (const [k, x] of Object.entries(o)) {
        const r = walk(x);
        if (r !== ABSENT) out[k] = r;
      }
      return out;
    }
    return v;
  };

  const props: PropertyMap = {};
  for (const [k, v] of Object.entries(inputs)) {
    const r = walk(v);
    if (r !== ABSENT) props[k] = r;
  }
  return { props, references: [...references] };
}
