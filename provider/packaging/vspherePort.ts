/**
 * GuestPort over vSphere guest operations: programs through the guest step runner
 * (provider/guest), waits through provider/wait (watchGuest). No WinRM, no network path to the guest.
 */
import { GuestStep, StepAction, runProgram, runStep } from "../guest";
import type { Report } from "../progress";
import type { Backoff } from "../wait";
import { GuestClient, faultTypeOf, isGuestReady, readGuestTextIfAny, uploadToGuest, watchGuest } from "../vsphere/guest";
import type { VimClient } from "../vsphere/session";
import type { MoRef } from "../vsphere/types";
import type { GuestPort, RunResult } from "./port";

/** The provider's folder in the packaging machine: stage markers and round results. */
export const WORK_DIR = "C:\\ProgramData\\applayering\\packaging";
const MAX_TEXT = 1024 * 1024;
/** How long a call keeps retrying while a program that may take the guest away has done so. */
const LOST_GUEST_MS = 15_000;

export interface PortOptions {
  report: Report;
  /** Between two looks at a running program, in ms (default 500). */
  pollMs?: number;
}

/** The guest is gone or going: Tools down, the VM off or removed (what Shutdown For Finalize does, by design). */
function guestLost(err: unknown): boolean {
  const t = faultTypeOf(err);
  return t === "GuestOperationsUnavailable" || t === "ToolsUnavailable" || t === "InvalidPowerState" || t === "ManagedObjectNotFound" || t === "InvalidState";
}

export function vspherePort(vim: VimClient, vm: MoRef, vmName: string, creds: { user: string; password: string }, opts: PortOptions): GuestPort {
  const g = new GuestClient(vim, vm, creds, { vmName, unavailableTimeoutMs: 5 * 60_000 });
  const leaving = new GuestClient(vim, vm, creds, { vmName, unavailableTimeoutMs: LOST_GUEST_MS });
  const runner = { report: opts.report, pollMs: opts.pollMs ?? 500 };
  const made = new Set<string>();
  const watch = (awaited: string, until: Parameters<typeof watchGuest>[2], deadline: number, fix: string, backoff?: Backoff) =>
    watchGuest(vim, vm, until, { awaited: `packaging machine ${vmName} ${awaited}`, deadline, resumable: true, fix, backoff });
  return {
    vmName,
    step: (step: GuestStep, deadline: number) => runStep(g, step, { ...runner, deadline, maxReruns: 0 }),
    async run(id: string, action: StepAction, timeoutMs: number, o: { mayLoseGuest?: boolean } = {}): Promise<RunResult> {
      const step = { id, title: id, action, timeoutMs };
      if (!o.mayLoseGuest) return runProgram(g, step, runner);
      return runProgram(leaving, step, runner).catch((err: unknown) => {
        if (guestLost(err)) return { exitCode: undefined, output: "" };
        throw err;
      });
    },
    readText: (path) => readGuestTextIfAny(g, path, MAX_TEXT),
    async writeText(path, text) {
      const dir = path.slice(0, path.lastIndexOf("\\"));
      if (!made.has(dir.toLowerCase())) await g.makeDirectory(dir, true);
      made.add(dir.toLowerCase());
      await uploadToGuest(g, path, { data: text }, { overwrite: true });
    },
    async processes() {
      return (await g.listProcesses()).map((p) => ({ name: p.name.toLowerCase(), cmdLine: p.cmdLine, ended: p.endTime !== undefined }));
    },
    async reboot(timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      await g.startProgram({ programPath: "C:\\Windows\\System32\\shutdown.exe", arguments: "/r /t 0 /d p:2:17" });
      const fix = "look at its console in vSphere (a restart that hangs, an update that fails to apply), raise packaging.windowsUpdate.rebootTimeout, and run `pulumi up`";
      // Tools go down first; only then is "ready" the restarted Windows.
      await watch("to go down for its restart", (r) => !isGuestReady(r), deadline, fix, { initialMs: 200, maxMs: 200, factor: 1 });
      await watch("to come back from its restart", isGuestReady, deadline, fix);
    },
    async waitReady(deadline) {
      // The ELM's connector may still be powering the new machine on: off is not final here.
      await watch("to be powered on with VMware Tools ready", isGuestReady, deadline, "if it stays powered off, power it on in vSphere, then run `pulumi up`");
    },
  };
}
