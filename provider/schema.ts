/**
 * One table of fields per resource: the type, default, unit and whether a change replaces the
 * object. check() reads inputs by it, diff() splits changes by it, and a unit test holds the SDK's
 * JSDoc to it, so the three cannot drift apart again.
 */
import { DiffResult, keyDiff } from "./diff";
import { InputReader } from "./inputs";

/**
 * How a change of the field is applied: `update` in place, `replace` by a new object, `fixed`
 * set when the object is made and refused by check() in place (it would destroy what should stay).
 */
export type Change = "update" | "replace" | "fixed";

interface Common {
  /** The SDK's JSDoc summary of the argument: its doc comment starts with this text. */
  summary: string;
  change: Change;
  /** Never in logs, errors or progress lines. */
  secret?: boolean;
  /**
   * The SDK argument the input comes from when it is not an argument of its own (a resource passed
   * whole, e.g. `machine` gives vmMoref and vmName); null: no argument (computed by the SDK).
   */
  from?: string | null;
}

export interface StringField extends Common {
  type: "string";
  required?: boolean;
  default?: string;
  max?: number;
  pattern?: [RegExp, string];
  trim?: boolean;
  multiline?: boolean;
  /** The allowed values, and why when one is refused. */
  oneOf?: { values: readonly string[]; why?: string };
}

export interface NumberField extends Common {
  type: "number";
  default?: number;
  min?: number;
  max?: number;
  integer?: boolean;
  unit?: "MB" | "GB" | "minutes" | "versions";
}

export interface BooleanField extends Common {
  type: "boolean";
  default: boolean;
}

/** A list of names: each non-empty, without control characters, listed once. */
export interface StringListField extends Common {
  type: "strings";
  /** The most entries the list may hold. */
  max?: number;
  /** None: an absent list is absent (declared so that code reading any field's default type-checks). */
  default?: never;
}

/** A structured input (OsMachine.prepare): `read` checks it, its failures going to the reader. */
export interface ObjectField extends Common {
  type: "object";
  default?: undefined;
  read: (value: unknown, r: InputReader) => unknown;
}

export type Field = StringField | NumberField | BooleanField | StringListField | ObjectField;

/** The field kind a TypeScript input type takes. */
type FieldFor<T> = [NonNullable<T>] extends [string]
  ? StringField
  : [NonNullable<T>] extends [number]
    ? NumberField
    : [NonNullable<T>] extends [boolean]
      ? BooleanField
      : [NonNullable<T>] extends [readonly string[]]
        ? StringListField
      : [NonNullable<T>] extends [object]
        ? ObjectField
        : never;
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];
/** A non-optional input is either required or defaulted; the table cannot leave it unset. */
type Settled<F> = F extends StringField ? (F & { required: true }) | (F & { default: string }) : F extends NumberField ? F & { default: number } : F;

/**
 * The table for inputs `I`: every key, each with the field kind its type calls for (checked at
 * compile time); `X` adds what one resource's fields say beyond the common ones.
 */
export type Schema<I, X extends object = object> = { [K in keyof Required<I>]: (K extends OptionalKeys<I> ? FieldFor<I[K]> : Settled<FieldFor<I[K]>>) & X };

/** Any resource's table, as the functions below read it (typed tables are declared as Schema<I>). */
export type FieldTable = { readonly [key: string]: Field };

export function keysWhere(schema: FieldTable, change: Change): string[] {
  return Object.keys(schema).filter((k) => schema[k].change === change);
}

/**
 * Reads every field of the table from the raw inputs: types, defaults (but those in `noDefault`),
 * ranges, patterns and allowed values. Absent optionals are left out, so state holds no nulls.
 */
export function readFields<I>(r: InputReader, schema: FieldTable, noDefault: ReadonlySet<string> = new Set()): I {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(schema)) {
    const def = noDefault.has(k) ? undefined : f.default;
    let v: unknown;
    if (f.type === "string") {
      v = r.string(k, { required: f.required, default: def as string | undefined, max: f.max, pattern: f.pattern, trim: f.trim, multiline: f.multiline });
      if (f.oneOf && typeof v === "string" && !r.unknown(k) && !f.oneOf.values.includes(v)) {
        const values = f.oneOf.values.map((x) => `"${x}"`).join(" or ");
        r.fail(k, `must be ${values}, got "${v}"${f.oneOf.why ? ` (${f.oneOf.why})` : ""}`);
      }
    } else if (f.type === "number") {
      v = r.number(k, { default: def as number | undefined, min: f.min, max: f.max, integer: f.integer, unit: f.unit });
    } else if (f.type === "strings") {
      v = r.strings(k, { max: f.max });
    } else if (f.type === "object") {
      v = f.read(r.value(k), r);
    } else {
      v = r.boolean(k, f.default);
    }
    if (v !== undefined) out[k] = v;
  }
  return out as I;
}

/**
 * The diff by the table: `replace` fields force a replacement, `update` fields an update; `fixed`
 * fields are check()'s to refuse. `compared` leaves out fields the program does not manage.
 */
export function schemaDiff(
  schema: FieldTable,
  olds: object,
  news: object,
  opts: { compared?: (key: string) => boolean; deleteFirst?: (replaces: string[]) => boolean } = {},
): DiffResult {
  const compared = opts.compared ?? (() => true);
  return keyDiff(olds, news, keysWhere(schema, "replace").filter(compared), keysWhere(schema, "update").filter(compared), opts.deleteFirst);
}
