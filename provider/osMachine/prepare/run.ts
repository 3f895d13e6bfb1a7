/**
 * Runs OsMachine.prepare on the VM: power on, wait for Tools, check the guest account, the
 * before-snapshot steps, the snapshot, the after-snapshot steps, then shut the guest down.
 * Every step goes through the guest step runner, so a rerun (after a failure or a killed host)
 * skips what is done and resumes what was running. `records` is updated after every step so a
 * failure still leaves the VM's record right.
 */
import { guestCredentials } from "../../config";
import { runStep, StepError } from "../../guest";
import type { Report } from "../../progress";
import { MoRef, VimClient, createSnapshot, powerOn, readVm, shutdownGuest } from "../../vsphere";
import { GuestClient, waitForGuestOperations } from "../../vsphere/guest";
import { planPrepare, PlannedStep } from "./plan";
import type { PrepareInputs, PrepareStepRecord } from "./types";

export interface PrepareContext {
  /** The VM's record of the steps; updated in place as steps finish. */
  records: PrepareStepRecord[];
  /** Between two looks at a running step, in ms (default 2000). */
  pollMs?: number;
}

function store(ctx: PrepareContext, plan: PlannedStep[], rec: PrepareStepRecord): void {
  const others = ctx.records.filter((r) => r.id !== rec.id);
  // Keep the plan's order; steps no longer planned drop out.
  const order = new Map(plan.map((p, i) => [p.step.id, i]));
  ctx.records.splice(0, ctx.records.length, ...[...others.filter((r) => order.has(r.id)), rec].sort((a, b) => order.get(a.id)! - order.get(b.id)!));
}

const upToDate = (ctx: PrepareContext, p: PlannedStep) => ctx.records.some((r) => r.id === p.step.id && r.hash === p.hash && (r.state === "done" || r.state === "skipped"));

export async function runPrepare(
  vim: VimClient,
  vm: MoRef,
  vmName: string,
  prepare: PrepareInputs,
  snapshotName: string,
  deadline: number,
  report: Report,
  ctx: PrepareContext,
): Promise<void> {
  const plan = planPrepare(prepare);
  let info = await readVm(vim, vm);
  const hasSnapshot = () => info.snapshots.some((s) => s.name === snapshotName);
  if (plan.every((p) => upToDate(ctx, p)) && hasSnapshot() && info.powerState === "poweredOff") return;
  if (info.powerState !== "poweredOn") {
    report("powering on to prepare Windows");
    await powerOn(vim, vm, { deadline });
  }
  report("waiting for VMware Tools");
  await waitForGuestOperations(vim, vm, vmName, deadline);
  const guest = new GuestClient(vim, vm, guestCredentials(), { vmName, unavailableTimeoutMs: Math.max(1000, deadline - Date.now()) });
  await guest.validateCredentials();
  const runPhase = async (phase: PlannedStep["phase"]) => {
    for (const p of plan.filter((x) => x.phase === phase)) {
      report(`step ${p.step.id}: ${p.step.title}`);
      try {
        const rec = await runStep(guest, p.step, { report, pollMs: ctx.pollMs }, p.hash);
        store(ctx, plan, { ...rec, state: "done", phase });
      } catch (err) {
        if (err instanceof StepError) store(ctx, plan, { ...err.record, phase });
        throw err;
      }
    }
  };
  await runPhase("beforeSnapshot");
  info = await readVm(vim, vm);
  if (!hasSnapshot()) {
    report(`taking snapshot "${snapshotName}" before the OS Machine Tools run`);
    await createSnapshot(vim, vm, snapshotName, "Taken by pulumi-applayering before Setup_x64.exe", { deadline });
  }
  await runPhase("afterSnapshot");
  report("shutting Windows down");
  await shutdownGuest(vim, vm, { timeoutMs: Math.max(1000, deadline - Date.now()) });
}
