// The guest step runner (provider/guest) against the launcher's simulated Windows guest:
// results kept in guest files, markers for skip and resume, timeouts, reboots mid-step.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GuestStep, StepError, runProgram, runStep, runSteps, stepHash, stepPaths, StepsError } from "../../../provider/guest";
import { DeadlineError } from "../../../provider/wait";
import { VimClient, mustFind, powerOff, powerOn, type MoRef } from "../../../provider/vsphere";
import { GuestClient, readGuestText, readGuestTextIfAny, waitForGuestOperations } from "../../../provider/vsphere/guest";
import { guestControl } from "../../../sim/vcsim/guestControl";
import { startVcsim, type Vcsim } from "../../../sim/vcsim/launch";
import { connect } from "../vsphere/helpers";

const VM_NAME = "DC0_H0_VM0";
let sim: Vcsim;
let vim: VimClient;
let vm: MoRef;
let guest: GuestClient;
let tmp: string;
const progress: string[] = [];
const opts = { report: (l: string) => progress.push(l), pollMs: 100 };

beforeAll(async () => {
  sim = await startVcsim({ guestToolsDelayMs: 300 });
  vim = await connect(sim);
  vm = await mustFind(vim, `DC0/vm/${VM_NAME}`, "VM");
  await powerOff(vim, vm);
  await powerOn(vim, vm);
  guest = new GuestClient(vim, vm, { user: sim.guestUser, password: sim.guestPassword }, { vmName: VM_NAME, unavailableTimeoutMs: 30_000 });
  await waitForGuestOperations(vim, vm, VM_NAME, Date.now() + 30_000);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "guest-runner-"));
});
afterAll(async () => {
  await vim?.logout();
  await sim?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  progress.length = 0;
});

/** How many times Tools saw the step's wrapper started (records kept 5 min, longer than this test). */
async function starts(id: string): Promise<number> {
  const wrapper = stepPaths(id).wrapper.toLowerCase();
  return (await guest.listProcesses()).filter((p) => p.cmdLine.toLowerCase().includes(wrapper)).length;
}

describe("guest step runner", () => {
  it("runs a PowerShell step with uploaded files: output streamed as progress, exit code and tail recorded, marker left", async () => {
    const local = path.join(tmp, "payload.txt");
    fs.writeFileSync(local, "payload\r\n");
    const step: GuestStep = {
      id: "hello",
      title: "say hello",
      action: { powershell: "Write-Output 'line one'\nWrite-Output 'line two'\nGet-Content C:\\Work\\payload.txt\nAdd-Content C:\\Work\\count.txt 'hello ran'\nexit 0" },
      files: [{ local, guest: "C:\\Work\\payload.txt" }],
      timeoutMs: 30_000,
    };
    const rec = await runStep(guest, step, opts);
    expect(rec).toMatchObject({ id: "hello", state: "done", exitCode: 0, hash: stepHash(step) });
    expect(rec.logTail).toEqual(["line one", "line two", "payload"]);
    expect(progress).toEqual(expect.arrayContaining(["step hello: line one", "step hello: line two", "step hello: done (exit code 0)"]));
    expect(JSON.parse((await readGuestText(guest, stepPaths("hello").done)))).toEqual({ hash: stepHash(step), exitCode: 0 });

    // A rerun skips it: no new process, the counter file still says it ran once.
    const again = await runStep(guest, step, opts);
    expect(again.state).toBe("skipped");
    expect(await starts("hello")).toBe(1);
    expect(await readGuestText(guest, "C:\\Work\\count.txt")).toBe("hello ran\r\n");

    // A changed file is a changed step: it runs again.
    fs.writeFileSync(local, "payload v2\r\n");
    const changed = await runStep(guest, step, opts);
    expect(changed.state).toBe("done");
    expect(changed.logTail).toContain("payload v2");
    expect(await starts("hello")).toBe(2);
  });

  it("a failing cmd step: the error has its exit code and last output; the steps before it are in the records", async () => {
    const ok: GuestStep = { id: "ok1", title: "fine", action: { cmd: "echo fine" }, timeoutMs: 30_000 };
    const bad: GuestStep = { id: "bad1", title: "breaks", action: { cmd: "echo about to fail\r\nexit /b 5" }, timeoutMs: 30_000 };
    const err = (await runSteps(guest, [ok, bad], opts).catch((e: unknown) => e)) as StepsError;
    expect(err).toBeInstanceOf(StepsError);
    expect(err.message).toBe("guest step bad1 (breaks) exited with code 5; its output ends with: about to fail");
    expect(err.records.map((r) => [r.id, r.state, r.exitCode])).toEqual([["ok1", "done", 0], ["bad1", "failed", 5]]);
    expect(await readGuestTextIfAny(guest, stepPaths("bad1").done)).toBeUndefined();
  });

  it("a hanging program hits its timeout: ended, and the message says so", async () => {
    const step: GuestStep = { id: "hang1", title: "waits for ever", action: { cmd: "echo waiting\r\ntimeout.exe /t -1" }, timeoutMs: 1500 };
    const err = (await runStep(guest, step, opts).catch((e: unknown) => e)) as StepError;
    expect(err).toBeInstanceOf(StepError);
    expect(err.message).toMatch(/^guest step hang1 \(waits for ever\) did not finish within 2 s and was ended; raise its timeout/);
    expect(err.record.state).toBe("timedOut");
    const procs = (await guest.listProcesses()).filter((p) => p.cmdLine.toLowerCase().includes(stepPaths("hang1").wrapper.toLowerCase()));
    expect(procs.every((p) => p.endTime !== undefined)).toBe(true);
  });

  it("a host that dies mid-step: the next run re-attaches to the running pid instead of starting it again", async () => {
    const step: GuestStep = { id: "slow1", title: "takes a while", action: { cmd: "timeout.exe /t 2\r\necho slow done>> C:\\Work\\slow.txt" }, timeoutMs: 30_000 };
    const abort = new AbortController();
    const first = runStep(guest, step, { ...opts, signal: abort.signal });
    // "Kill" the first runner once the step has started in the guest.
    for (let i = 0; i < 100 && !progress.some((l) => /step slow1: started/.test(l)); i++) await new Promise((r) => setTimeout(r, 50));
    abort.abort();
    await expect(first).rejects.toThrow();
    const rec = await runStep(guest, step, opts);
    expect(rec.state).toBe("done");
    expect(progress.some((l) => /step slow1: resuming: pid \d+ started by an earlier run/.test(l))).toBe(true);
    expect(await starts("slow1")).toBe(1);
    expect(await readGuestText(guest, "C:\\Work\\slow.txt")).toBe("slow done\r\n");
  });

  it("a result whose process record Tools forgot is read from the guest's files", async () => {
    const step: GuestStep = { id: "forgot1", title: "quick", action: { cmd: "timeout.exe /t 1\r\nexit /b 0" }, timeoutMs: 30_000 };
    const abort = new AbortController();
    const first = runStep(guest, step, { ...opts, signal: abort.signal });
    for (let i = 0; i < 100 && !progress.some((l) => /step forgot1: started/.test(l)); i++) await new Promise((r) => setTimeout(r, 50));
    abort.abort();
    await first.catch(() => undefined);
    const wrapper = stepPaths("forgot1").wrapper.toLowerCase();
    const ended = async () => (await guest.listProcesses()).some((p) => p.cmdLine.toLowerCase().includes(wrapper) && p.endTime !== undefined);
    for (let i = 0; i < 100 && !(await ended()); i++) await new Promise((r) => setTimeout(r, 50));
    // A reboot forgets every process record; the exit code stays in exit.txt.
    await guestControl(sim, VM_NAME, "reboot");
    const rec = await runStep(guest, step, opts);
    expect(rec).toMatchObject({ state: "done", exitCode: 0 });
    expect(await starts("forgot1")).toBe(0); // nothing started after the reboot
    expect(progress.some((l) => /step forgot1: resuming/.test(l))).toBe(true);
  });

  it("a reboot mid-step: the step runs again once Tools are back; with no reruns left, the error says what happened", async () => {
    const step: GuestStep = { id: "boot1", title: "interrupted", action: { cmd: "timeout.exe /t 2\r\nexit /b 0" }, timeoutMs: 60_000 };
    const run = runStep(guest, step, opts);
    for (let i = 0; i < 100 && !progress.some((l) => /step boot1: started/.test(l)); i++) await new Promise((r) => setTimeout(r, 50));
    await guestControl(sim, VM_NAME, "reboot");
    const rec = await run;
    expect(rec.state).toBe("done");
    expect(progress.some((l) => /step boot1: ended without an exit code .* running it again/.test(l))).toBe(true);
    expect(progress.some((l) => /step boot1: started again \(attempt 2\)/.test(l))).toBe(true);

    progress.length = 0;
    const once: GuestStep = { id: "boot2", title: "interrupted twice", action: { cmd: "timeout.exe /t 2\r\nexit /b 0" }, timeoutMs: 60_000 };
    const p2 = runStep(guest, once, { ...opts, maxReruns: 0 });
    for (let i = 0; i < 100 && !progress.some((l) => /step boot2: started/.test(l)); i++) await new Promise((r) => setTimeout(r, 50));
    await guestControl(sim, VM_NAME, "reboot");
    await expect(p2).rejects.toThrow(/^guest step boot2 \(interrupted twice\) was interrupted 1 time\(s\) before it wrote its exit code \(the guest rebooted/);
  });

  it("an outer deadline that comes before the step's timeout leaves it running; the next run re-attaches", async () => {
    const step: GuestStep = { id: "outer1", title: "outlives the deadline", action: { cmd: "timeout.exe /t 2\r\necho outer done>> C:\\Work\\outer.txt" }, timeoutMs: 60_000 };
    const err = await runStep(guest, step, { ...opts, deadline: Date.now() + 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineError);
    expect((err as DeadlineError).resumable).toBe(true);
    expect((err as Error).message).toMatch(/guest step outer1 \(outlives the deadline\) in VM DC0_H0_VM0 .*the next run resumes it/);
    const rec = await runStep(guest, step, opts);
    expect(rec.state).toBe("done");
    expect(progress.some((l) => /step outer1: resuming: pid \d+/.test(l))).toBe(true);
    expect(await starts("outer1")).toBe(1);
    expect(await readGuestText(guest, "C:\\Work\\outer.txt")).toBe("outer done\r\n");
  });

  it("runProgram runs every time, leaves no marker and reports nothing; its output and exit code come back", async () => {
    const probe: GuestStep = { id: "probe1", title: "probe", action: { cmd: "echo probing\r\nexit /b 3" }, timeoutMs: 30_000 };
    for (let i = 0; i < 2; i++) expect(await runProgram(guest, probe, opts)).toEqual({ exitCode: 3, output: "probing\r\n" });
    expect(await starts("probe1")).toBe(2);
    expect(await readGuestTextIfAny(guest, stepPaths("probe1").done)).toBeUndefined();
    expect(await readGuestTextIfAny(guest, stepPaths("probe1").running)).toBeUndefined();
    expect(progress.filter((l) => l.startsWith("step probe1"))).toEqual([]);
  });
});
