/**
 * What a changed preparation means for the VM. Steps re-run from the first one whose (chained)
 * hash differs from the record — an update — except when that step comes before the snapshot
 * and the snapshot already holds the old preparation: the snapshot cannot be taken again over
 * it, so the VM is replaced.
 */
import type { PlannedStep } from "./plan";
import type { PrepareStepRecord } from "./types";

export type PrepareChange =
  | { kind: "none" }
  | { kind: "update"; from: string; why: string }
  | { kind: "replace"; from: string; why: string };

const finished = (r: PrepareStepRecord | undefined) => r !== undefined && (r.state === "done" || r.state === "skipped");

export function diffPrepare(recorded: PrepareStepRecord[], plan: PlannedStep[], snapshotTaken: boolean): PrepareChange {
  const byId = new Map(recorded.map((r) => [r.id, r]));
  const first = plan.find((p) => {
    const r = byId.get(p.step.id);
    return !finished(r) || r!.hash !== p.hash;
  });
  if (!first) return { kind: "none" };
  const r = byId.get(first.step.id);
  const what = r === undefined ? "has not run yet" : r.hash !== first.hash ? "changed" : `is ${r.state}`;
  // The snapshot holds the before-snapshot steps as recorded: any other sequence (a step changed,
  // added, removed or moved across the snapshot) cannot be put into it any more.
  const before = recorded.filter((x) => x.phase === "beforeSnapshot");
  const planned = plan.filter((p) => p.phase === "beforeSnapshot").map((p) => `${p.step.id}:${p.hash}`);
  const sealed = snapshotTaken && before.length > 0 && before.every(finished);
  if (sealed && planned.join() !== before.map((x) => `${x.id}:${x.hash}`).join()) {
    return {
      kind: "replace",
      from: first.step.id,
      why: `prepare step ${first.step.id} ${what}; it runs before the snapshot, which already holds the old preparation: the VM is replaced`,
    };
  }
  return { kind: "update", from: first.step.id, why: `prepare step ${first.step.id} ${what}: the preparation re-runs from it` };
}
