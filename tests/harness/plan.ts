/** What an operation did (or, for a preview, would do), step by step, in execution order. */
import { HostLine } from "./hostProcess";

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
}

export type OperationKind = "preview" | "up" | "refresh" | "destroy";

export interface Plan {
  operation: OperationKind;
  /** True for preview, and for refresh/destroy run with `{ preview: true }`: nothing was changed. */
  dryRun: boolean;
  steps: StepReport[];
  /** Host stdout/stderr lines printed during the operation (our providers log progress there). */
  log: HostLine[];
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

function comparable(s: StepReport, withDiffKeys: boolean): string {
  const parts = [s.urn, s.op, `replace=${s.replaceKeys.join(",")}`];
  if (s.op === "replace") parts.push(`dbr=${Boolean(s.deleteBeforeReplace)}`);
  if (withDiffKeys) parts.push(`diff=${s.diffKeys.join(",")}`);
  return parts.join(" ");
}

/**
 * Preview must predict up: the same steps in the same order with the same ops and replace keys
 * (and, unless told otherwise, the same changed keys: a preview that saw unknowns may legitimately
 * count more keys as changed).
 */
export function assertPreviewMatchesUp(preview: Plan, up: Plan, opts: { compareDiffKeys?: boolean } = {}): void {
  const withDiffKeys = opts.compareDiffKeys ?? true;
  const p = preview.steps.map((s) => comparable(s, withDiffKeys));
  const u = up.steps.map((s) => comparable(s, withDiffKeys));
  if (p.length === u.length && p.every((x, i) => x === u[i])) return;
  throw new Error(`preview does not match ${up.operation}:\n  preview:\n    ${p.join("\n    ") || "(no steps)"}\n  ${up.operation}:\n    ${u.join("\n    ") || "(no steps)"}`);
}
