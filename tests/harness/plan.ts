/** What an operation did (or, for a preview, would do), step by step, in execution order. */
import type { EngineLogEntry } from "./engineServer";
import { HostLine } from "./hostProcess";
import { PropertyMap } from "./wire";

export type StepOp = "same" | "create" | "update" | "replace" | "delete" | "read" | "refresh-changed";

export interface StepReport {
  urn: string;
  name: string;
  op: StepOp;
  /** Top-level input keys that differ from the stored inputs (for refresh: changed outputs/inputs). */
  diffKeys: string[];
  /** Keys the provider's diff says force a replacement. */
  replaceKeys: string[];
  /** For a replace: the old object is deleted before the new one is created. */
  deleteBeforeReplace?: boolean;
  /** Preview only: input keys whose value was (or contained) unknown when Check and Diff ran. */
  unknownKeys?: string[];
}

export type OperationKind = "preview" | "up" | "refresh" | "destroy";

export interface Plan {
  operation: OperationKind;
  /** True for preview, and for refresh/destroy run with `{ preview: true }`: nothing was changed. */
  dryRun: boolean;
  steps: StepReport[];
  /** Host stdout/stderr lines printed during the operation (our providers log progress there). */
  log: HostLine[];
  /** Log messages the engine received (from the provider host and the program), with their URNs. */
  diagnostics?: EngineLogEntry[];
  /** A real program's stdout/stderr lines. */
  programLog?: HostLine[];
  /** A real program's stack exports, as registered (unknowns possible in a preview). */
  outputs?: PropertyMap;
}

/** Counts by op, like the CLI's summary line (`+ 1 to create, ~ 1 to update`). */
export function summarize(plan: Plan): Partial<Record<StepOp, number>> {
  const counts: Partial<Record<StepOp, number>> = {};
  for (const s of plan.steps) counts[s.op] = (counts[s.op] ?? 0) + 1;
  return counts;
}

/** True when the operation changed (or would change) nothing. */
export function isNoop(plan: Plan): boolean {
  return plan.steps.every((s) => s.op === "same");
}

const rank: Partial<Record<StepOp, number>> = { same: 0, update: 1, replace: 2 };

function describe(s: StepReport | undefined): string {
  if (!s) return "(none)";
  const parts = [s.urn, s.op, `replace=[${s.replaceKeys.join(",")}]`, `diff=[${s.diffKeys.join(",")}]`];
  if (s.op === "replace") parts.push(`deleteBeforeReplace=${Boolean(s.deleteBeforeReplace)}`);
  if (s.unknownKeys?.length) parts.push(`unknown=[${s.unknownKeys.join(",")}]`);
  return parts.join(" ");
}

const subset = (a: string[], b: string[]): boolean => a.every((x) => b.includes(x));
const same = (a: string[], b: string[]): boolean => a.length === b.length && subset(a, b);

/** Why `u` is not what `p` predicted, or undefined if it is. */
function mismatch(p: StepReport, u: StepReport, exact: boolean, compareDiffKeys: boolean): string | undefined {
  if (p.urn !== u.urn) return "different resource";
  const sawUnknowns = !exact && (p.unknownKeys?.length ?? 0) > 0;
  if (p.op !== u.op) {
    // An unknown input can only make the preview more pessimistic: what it predicted as an update
    // (replace) may turn out unchanged (an update) once the value is known. Never the reverse.
    const pr = rank[p.op];
    const ur = rank[u.op];
    if (!sawUnknowns || pr === undefined || ur === undefined || ur > pr) return `op ${p.op} predicted, ${u.op} done`;
  }
  if (p.op === "replace" && u.op === "replace" && Boolean(p.deleteBeforeReplace) !== Boolean(u.deleteBeforeReplace)) return "deleteBeforeReplace differs";
  if (u.op === p.op && !(sawUnknowns ? subset(u.replaceKeys, p.replaceKeys) : same(u.replaceKeys, p.replaceKeys))) return "replace keys differ";
  if (compareDiffKeys && u.op === p.op && !(sawUnknowns ? subset(u.diffKeys, p.diffKeys) : same(u.diffKeys, p.diffKeys))) return "changed keys differ";
  return undefined;
}

/**
 * Preview must predict the operation: the same steps (per resource, in order), with the same ops, replace
 * keys and changed keys. Where the preview saw unknown inputs (a dependent of a resource that is
 * changing) it may over-predict, as Pulumi's own previews do: an update that turns out a no-op, a
 * replace that turns out an update, more changed keys; `{ exact: true }` forbids even that. A step
 * the preview did not foresee, or predicted as less than what happened, always fails.
 */
export function assertPreviewMatchesUp(preview: Plan, up: Plan, opts: { exact?: boolean; compareDiffKeys?: boolean } = {}): void {
  const exact = opts.exact ?? false;
  const compareDiffKeys = opts.compareDiffKeys ?? true;
  const problems: string[] = [];
  // Steps are paired by resource: independent resources run concurrently, so two runs of the same
  // program may list them in another order. A resource's own steps keep their order.
  const unmatched = [...preview.steps];
  up.steps.forEach((u, i) => {
    const j = unmatched.findIndex((p) => p.urn === u.urn);
    const p = j >= 0 ? unmatched.splice(j, 1)[0] : undefined;
    const why = !p ? "not predicted" : mismatch(p, u, exact, compareDiffKeys);
    if (why) problems.push(`  step ${i + 1}: ${why}\n    preview: ${describe(p)}\n    ${up.operation}: ${describe(u)}`);
  });
  for (const p of unmatched) problems.push(`  predicted step not done\n    preview: ${describe(p)}\n    ${up.operation}: (none)`);
  if (problems.length > 0) throw new Error(`preview does not match ${up.operation}:\n${problems.join("\n")}`);
}
