/** Plain data shapes of the vim25 API that the client reads and writes. */

/** A ManagedObjectReference: `<x type="VirtualMachine">vm-42</x>`. Never parse `value`. */
export interface MoRef {
  type: string;
  value: string;
}

/**
 * A decoded vim25 value. Data objects become `VimObject`s (their `xsi:type` in `$type`),
 * morefs become `MoRef`s, `ArrayOfX` becomes an array, xsd primitives become string, number
 * or boolean (xsd:long stays a number; vSphere sizes fit in 2^53).
 */
export type VimValue = string | number | boolean | MoRef | VimObject | VimValue[];

export interface VimObject {
  $type?: string;
  [field: string]: VimValue | undefined;
}

/** One object of a RetrievePropertiesEx reply. */
export interface ObjectContent {
  obj: MoRef;
  /** Property path → decoded value; unset properties are absent. */
  props: Record<string, VimValue>;
  /** Properties the server could not read, with the fault's type name. */
  missing: Array<{ path: string; fault: string; message?: string }>;
}

export function isMoRef(v: unknown): v is MoRef {
  return typeof v === "object" && v !== null && !Array.isArray(v) && typeof (v as MoRef).type === "string" &&
    typeof (v as MoRef).value === "string" && Object.keys(v).length === 2;
}

