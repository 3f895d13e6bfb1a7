/**
 * Input validation shared by the reconcilers' check(): no I/O, one failure per field, each
 * naming the field and the fix, and tolerant of values that are unknown during preview.
 */

/** What the engine sends for a value not known yet (preview of a value computed by another resource). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

export interface CheckFailure {
  property: string;
  reason: string;
}


/** A value as a user would write it: NaN and Infinity by name (JSON.stringify says null for both). */
export function show(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

// Control characters in a name reach vSphere, the ELM and progress lines; none of them takes one.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// Free text (descriptions, comments) may hold line breaks and tabs, never the other controls.
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Collects failures while reading a resource's raw inputs. */
export class InputReader {
  readonly failures: CheckFailure[] = [];

  private readonly raw: Record<string, unknown>;

  /** `raw`: the inputs as the engine sent them, of any shape. */
  constructor(
    raw: object,
    private readonly resource: string,
  ) {
    this.raw = raw as Record<string, unknown>;
  }

  fail(property: string, reason: string): void {
    this.failures.push({ property, reason: `${this.resource}.${property}: ${reason}` });
  }

  has(property: string): boolean {
    const v = this.raw[property];
    return v !== undefined && v !== null && v !== "";
  }

  /** The raw value, for fields read by their own code (schema ObjectField). */
  value(property: string): unknown {
    return this.raw[property];
  }

  unknown(property: string): boolean {
    return isUnknown(this.raw[property]);
  }

  /** A string; unknowns pass through untouched. */
  string(property: string, opts: { required?: boolean; default?: string; max?: number; pattern?: [RegExp, string]; trim?: boolean; multiline?: boolean } = {}): string | undefined {
    const raw = this.raw[property];
    // Systems trim what they store: an untrimmed value would differ from it on every diff.
    const v = opts.trim && typeof raw === "string" ? raw.trim() : raw;
    if (isUnknown(v)) return UNKNOWN;
    if (v === undefined || v === null || v === "") {
      if (opts.required && opts.default === undefined) this.fail(property, "is required: set it to a non-empty string");
      return opts.default;
    }
    if (typeof v !== "string") {
      this.fail(property, `must be a string, got ${typeof v}`);
      return undefined;
    }
    if (opts.required && v.trim() === "") {
      this.fail(property, "is required: set it to a non-empty string");
      return undefined;
    }
    const control = (opts.multiline ? CONTROL_IN_TEXT : CONTROL).exec(v);
    if (control) {
      const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
      const kind = opts.multiline ? "text may hold line breaks and tabs, no other control characters" : "a name cannot hold line breaks, tabs, NUL or other control characters";
      this.fail(property, `holds control characters (${code} at position ${control.index + 1}); ${kind}: remove it`);
      return undefined;
    }
    if (opts.max !== undefined && v.length > opts.max) {
      this.fail(property, `is ${v.length} characters long; shorten it to at most ${opts.max}`);
    }
    if (opts.pattern && !opts.pattern[0].test(v)) this.fail(property, opts.pattern[1]);
    return v;
  }

  /** A number (numeric strings accepted, as config values arrive as text). */
  number(property: string, opts: { default?: number; min?: number; max?: number; integer?: boolean; unit?: string } = {}): number | undefined {
    const v = this.raw[property];
    if (isUnknown(v)) return v as number; // the preview sentinel passes through, as strings do
    if (v === undefined || v === null || v === "") return opts.default;
    const n = typeof v === "string" ? Number(v) : v;
    const unit = opts.unit ? ` ${opts.unit}` : "";
    if (typeof n !== "number" || !Number.isFinite(n)) {
      this.fail(property, `must be a number${unit}, got ${show(v)}`);
      return undefined;
    }
    if (opts.integer && !Number.isInteger(n)) this.fail(property, `must be a whole number${unit}, got ${n}`);
    if (opts.min !== undefined && n < opts.min) this.fail(property, `must be at least ${opts.min}${unit}, got ${n}`);
    if (opts.max !== undefined && n > opts.max) this.fail(property, `must be at most ${opts.max}${unit}, got ${n}`);
    return n;
  }

  /** A list of non-empty strings without duplicates; unknowns pass through untouched. */
  strings(property: string, opts: { max?: number } = {}): string[] | undefined {
    const v = this.raw[property];
    if (isUnknown(v)) return v as unknown as string[];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.fail(property, `must be a list of strings, got ${show(v)}`);
      return undefined;
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      if (isUnknown(item)) out.push(item as string);
      else if (typeof item !== "string" || item.trim() === "" || CONTROL.test(item)) this.fail(`${property}[${i}]`, `must be a non-empty name without control characters, got ${show(item)}`);
      else if (out.includes(item)) this.fail(`${property}[${i}]`, `"${item}" is listed twice: list each name once`);
      else out.push(item);
    });
    if (opts.max !== undefined && out.length > opts.max) this.fail(property, `lists ${out.length} names; at most ${opts.max}`);
    return out;
  }

  boolean(property: string, def: boolean): boolean {
    const v = this.raw[property];
    if (isUnknown(v)) return v as boolean;
    if (v === undefined || v === null || v === "") return def;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "false") return v === "true";
    this.fail(property, `must be true or false, got ${show(v)}`);
    return def;
  }
}
