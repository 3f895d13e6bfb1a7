/**
 * The unattended version: scripts, Windows Update rounds, the pre-finalize gate and Shutdown For
 * Finalize inside the packaging machine. Every finished step leaves a marker file in the guest
 * (written by the guest itself right after the step's success where it can be), so a rerun after
 * a crash or a passed deadline skips what is done and never runs a finished script again.
 */
import { createHash } from "node:crypto";
import type { Report } from "../progress";
import { Blocker, REBOOT_CLEARS, TRANSIENT, describeBlockers, probe } from "./gate";
import { GuestStep, StepError, stepPaths } from "../guest";
import { DeadlineError } from "../wait";
import type { GuestPort } from "./port";
import type { PackagingInputs, PackagingProgress } from "./types";
import { WORK_DIR } from "./vspherePort";
import { WU_SCRIPT, WuRound, parseWuOutput } from "./windowsUpdate";

export const FINALIZE_CMD = "C:\\Windows\\Setup\\Scripts\\ShutdownForFinalize.cmd";
const NGEN = [
  "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\ngen.exe",
  "C:\\Windows\\Microsoft.NET\\Framework\\v4.0.30319\\ngen.exe",
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const minutes = (n: number) => n * 60_000;

/** A stage failed or stopped; names the machine, the stage and the next step. */
export class PackagingError extends Error {
  constructor(
    readonly machine: string,
    readonly stage: string,
    problem: string,
    next: string,
  ) {
    super(
      `packaging machine ${machine}, stage ${stage}: ${problem}; next: ${next} — or finish by hand: open the machine's console in vSphere, ` +
        `do the rest there and run Shutdown For Finalize (C:\\Windows\\Setup\\Scripts\\ShutdownForFinalize.cmd); the next \`pulumi up\` then finishes the same version`,
    );
    this.name = "PackagingError";
  }
}

/** The deadline (versionTimeout) passed inside a stage. */
export class PackagingDeadline extends Error {
  constructor(
    readonly machine: string,
    readonly stage: string,
  ) {
    super(`packaging machine ${machine}: versionTimeout passed during stage ${stage}`);
    this.name = "PackagingDeadline";
  }
}

export interface PackagingRun {
  port: GuestPort;
  inputs: PackagingInputs;
  /** The version's name: markers live in a folder of that name, so a new version starts clean. */
  version: string;
  /** ms since epoch: versionTimeout's end. */
  deadline: number;
  progress: PackagingProgress;
  report: Report;
}

const hash = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 12);
const safe = (v: string) => v.replace(/[^A-Za-z0-9._-]/g, "_");

/**
 * Runs the stages from where the markers say; resolves once Shutdown For Finalize has started
 * (auto) or the gate passed (manual). A wait that passed versionTimeout is a PackagingDeadline
 * (the version is pending); one that passed a stage's own timeout, a PackagingError.
 */
export async function runPackaging(r: PackagingRun): Promise<void> {
  try {
    await stages(r);
  } catch (err) {
    if (err instanceof DeadlineError && Date.now() >= r.deadline) throw new PackagingDeadline(r.port.vmName, r.progress.stage);
    if (err instanceof DeadlineError || err instanceof StepError) {
      throw new PackagingError(r.port.vmName, r.progress.stage, err.message, "run `pulumi up` again: the same version resumes at this stage");
    }
    throw err;
  }
}

async function stages(r: PackagingRun): Promise<void> {
  const dir = `${WORK_DIR}\\${safe(r.version)}`;
  const left = (cap: number) => {
    const ms = Math.min(cap, r.deadline - Date.now());
    if (ms <= 0) throw new PackagingDeadline(r.port.vmName, r.progress.stage);
    return ms;
  };
  r.progress.stage = "tools";
  await r.port.waitReady(r.deadline);
  if ((await r.port.readText(`${dir}\\finalize.started`)) !== undefined) {
    r.progress.updates = (await recordedUpdates(r, dir)) ?? [];
    r.report(`Shutdown For Finalize already ran in ${r.port.vmName}; waiting for the ELM`);
    await finalize(r, dir, left);
    return;
  }
  await scripts(r, left);
  if (r.inputs.windowsUpdate) await windowsUpdate(r, dir);
  await gate(r, left);
  if (r.inputs.gate.checkOnly) {
    throw new PackagingError(r.port.vmName, "gate", "check only (packaging.gate.checkOnly): the layer-integrity gate passed, nothing was finalized", "set packaging.gate.checkOnly to false and run `pulumi up` to finalize");
  }
  if (r.inputs.finalize === "manual") {
    r.progress.stage = "finalize";
    r.report(`packaging machine ${r.port.vmName} passed the gate: run Shutdown For Finalize in it (packaging.finalize is manual)`);
    return;
  }
  await finalize(r, dir, left);
}

async function scripts(r: PackagingRun, left: (cap: number) => number): Promise<void> {
  const n = r.inputs.scripts.length;
  for (const [i, text] of r.inputs.scripts.entries()) {
    r.progress.stage = `scripts ${i + 1}/${n}`;
    left(minutes(r.inputs.scriptTimeout));
    // One step per version and script: its markers make a rerun skip it once done, and wait for
    // it (never start it again) when an earlier run left it running. A changed script is a new step.
    const step: GuestStep = {
      id: `pkg-${hash(r.version)}-script-${i + 1}`,
      title: `script ${i + 1} of ${n}`,
      action: { powershell: text },
      timeoutMs: minutes(r.inputs.scriptTimeout),
    };
    r.report(`running script ${i + 1} of ${n} in ${r.port.vmName}`);
    try {
      await r.port.step(step, r.deadline);
    } catch (err) {
      if (!(err instanceof StepError)) throw err;
      const rec = err.record;
      const how = rec.state === "failed" ? `exited ${rec.exitCode}` : rec.state === "timedOut" ? `did not end within packaging.scriptTimeout (${r.inputs.scriptTimeout} min) and was ended` : "ended without an exit code (the guest restarted under it)";
      throw new PackagingError(
        r.port.vmName,
        r.progress.stage,
        `script ${i + 1} ${how}; its output ends: ${rec.logTail.slice(-5).join(" | ") || "(none)"}`,
        `fix script ${i + 1} in packaging.scripts (a changed script runs anew; finished ones do not) and run \`pulumi up\``,
      );
    }
  }
}

/** The KBs the Windows Update stage recorded when it ended (wu.done), none before. */
async function recordedUpdates(r: PackagingRun, dir: string): Promise<string[] | undefined> {
  const text = await r.port.readText(`${dir}\\wu.done`);
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as { updates?: unknown };
    return Array.isArray(v.updates) ? v.updates.filter((k): k is string => typeof k === "string") : [];
  } catch {
    return [];
  }
}

/**
 * Rounds until nothing applies (or maxRounds installed something). Every round is a step of its
 * own (attempt k of this version): a rerun replays the finished ones from their output in the
 * guest (no round runs twice, their KBs are counted again) and picks up the one in flight; a
 * replayed round restarts the machine only when its restart had not begun.
 */
async function windowsUpdate(r: PackagingRun, dir: string): Promise<void> {
  const wu = r.inputs.windowsUpdate!;
  const recorded = await recordedUpdates(r, dir);
  if (recorded !== undefined) {
    r.progress.updates = recorded;
    return;
  }
  r.progress.updates = [];
  let round = 1;
  let rebootsWithoutInstall = 0;
  for (let attempt = 1; round <= wu.maxRounds; attempt++) {
    r.progress.stage = `windowsUpdate round ${round}`;
    const step: GuestStep = { id: `pkg-${hash(r.version)}-wu-${attempt}`, title: `Windows Update round ${round}`, action: { powershell: WU_SCRIPT }, timeoutMs: minutes(wu.roundTimeout) };
    r.report(`Windows Update round ${round} in ${r.port.vmName}`);
    const rec = await r.port.step(step, r.deadline).catch((err: unknown) => {
      if (!(err instanceof StepError)) throw err;
      throw new PackagingError(
        r.port.vmName,
        r.progress.stage,
        `the Windows Update round ${err.record.state === "failed" ? `exited ${err.record.exitCode}` : err.record.state}: ${err.record.logTail.slice(-5).join(" | ")}`,
        "check Windows Update in the machine (service wuauserv, network to the update source) and run `pulumi up`",
      );
    });
    const got: WuRound = parseWuOutput((await r.port.readText(stepPaths(step.id).log)) ?? "", r.port.vmName);
    if (got.installed.length > 0) {
      r.progress.updates.push(...got.installed);
      r.report(`round ${round} installed ${got.installed.join(", ")}`);
      round++;
      rebootsWithoutInstall = 0;
    } else if (!got.rebootRequired || rebootsWithoutInstall > 0) {
      break; // nothing applies (or a reboot changed nothing)
    } else {
      rebootsWithoutInstall++;
    }
    // The marker before the restart: a replayed round whose restart began is not restarted again
    // (that would interrupt the round after it, which only starts once the restart is over).
    const rebooted = `${dir}\\wu-${attempt}.reboot`;
    if (got.rebootRequired && (rec.state !== "skipped" || (await r.port.readText(rebooted)) === undefined)) {
      r.report(`rebooting ${r.port.vmName} for the updates`);
      await r.port.writeText(rebooted, new Date().toISOString());
      await r.port.reboot(Math.min(minutes(wu.rebootTimeout), Math.max(1, r.deadline - Date.now())));
    }
  }
  await r.port.writeText(`${dir}\\wu.done`, JSON.stringify({ updates: r.progress.updates }));
}

async function gate(r: PackagingRun, left: (cap: number) => number): Promise<void> {
  r.progress.stage = "gate";
  const until = Date.now() + minutes(r.inputs.gate.timeout);
  let reboots = 0;
  let ngenRuns = 0;
  for (;;) {
    const blockers = await probe(r.port, left(minutes(5)));
    if (blockers.length === 0) {
      r.report(`layer integrity: finalize is allowed in ${r.port.vmName}`);
      return;
    }
    r.report(`layer integrity blocked: ${blockers.map((b) => b.kind).join(", ")}`);
    const kinds = new Set(blockers.map((b) => b.kind));
    const stuck = (b: Blocker) => !TRANSIENT.has(b.kind) && !(REBOOT_CLEARS.has(b.kind) && reboots < 2) && !(b.kind === "ngenNeeded" && ngenRuns < 2);
    if (blockers.some(stuck) || Date.now() >= until) {
      const reason = Date.now() >= until ? `still blocked after packaging.gate.timeout (${r.inputs.gate.timeout} min)` : "blocked";
      throw new PackagingError(r.port.vmName, "gate", `layer integrity ${reason}: ${describeBlockers(blockers)}`, "fix each blocker named (in the machine, or with a script in packaging.scripts) and run `pulumi up`: the same version resumes at the gate");
    }
    if (kinds.has("ngenNeeded")) {
      ngenRuns++;
      r.report("running ngen executeQueuedItems");
      for (const ngen of NGEN) await r.port.run("pkg-ngen", { program: ngen, args: "executeQueuedItems" }, left(minutes(30)));
      continue;
    }
    if ([...kinds].some((k) => REBOOT_CLEARS.has(k)) && ![...kinds].some((k) => TRANSIENT.has(k))) {
      reboots++;
      r.report(`rebooting ${r.port.vmName} to clear ${[...kinds].filter((k) => REBOOT_CLEARS.has(k)).join(", ")}`);
      await r.port.reboot(left(minutes(r.inputs.windowsUpdate?.rebootTimeout ?? 20)));
      continue;
    }
    left(minutes(1));
    await sleep(Math.min(5_000, Math.max(250, until - Date.now())));
  }
}

async function finalize(r: PackagingRun, dir: string, left: (cap: number) => number): Promise<void> {
  r.progress.stage = "finalize";
  if ((await r.port.readText(`${dir}\\finalize.started`)) !== undefined) return;
  r.report(`running Shutdown For Finalize in ${r.port.vmName}`);
  // The marker first: once the script passes its own check the machine goes away under us.
  await r.port.writeText(`${dir}\\finalize.started`, new Date().toISOString());
  // It shuts the machine down or reboots it into the compositing engine: losing the guest is success.
  const res = await r.port.run("pkg-finalize", { program: FINALIZE_CMD }, left(minutes(10)), { mayLoseGuest: true });
  if (res.exitCode !== undefined && res.exitCode !== 0) {
    await r.port.run("pkg-unmark", { cmd: `del "${dir}\\finalize.started"` }, left(minutes(1))).catch(() => undefined);
    throw new PackagingError(r.port.vmName, "finalize", `Shutdown For Finalize refused (exit ${res.exitCode}): ${res.output.trim().slice(-600) || "see LayerIntegrity.txt"}`, "fix what it names and run `pulumi up`");
  }
}
