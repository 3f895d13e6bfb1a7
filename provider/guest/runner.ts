/**
 * Runs guest steps through VMware Tools so that nothing is lost to a forgotten exit code, a
 * reboot or a provider host that dies mid-step:
 * - the step runs inside a cmd.exe wrapper that writes its output to out.log and its exit code
 *   to exit.txt in the guest (step.ts);
 * - once started, a `.run` marker (hash, pid, start) is left in the guest; once it succeeded, a
 *   `.done` marker (hash, exit code);
 * - a rerun skips a step whose `.done` hash matches; for a `.run` marker of the same hash it
 *   re-attaches to the pid while Tools still list it running, else reads exit.txt; with no exit
 *   code at all (a reboot or a kill ended the program) the step runs again, at most `maxReruns` times.
 */
import { redact } from "../soap";
import type { Report } from "../progress";
import { GuestClient, readGuestTextIfAny, uploadToGuest } from "../vsphere/guest";
import { DeadlineError, waitFor } from "../wait";
import { GuestStep, checkStepId, parseExitFile, scriptOf, stepHash, stepPaths, wrapperOf } from "./step";

export type StepState = "done" | "skipped" | "failed" | "timedOut" | "interrupted";

/** One step's outcome, as the VM's record (state) keeps it. */
export interface StepRecord {
  id: string;
  title: string;
  hash: string;
  state: StepState;
  exitCode?: number;
  /** The last lines of its output. */
  logTail: string[];
}

export interface RunnerOptions {
  report: Report;
  /** Between two looks at the process and its log, in ms (default 2000). */
  pollMs?: number;
  /** Times an interrupted step is started again (default 1). */
  maxReruns?: number;
  /** Lines kept in StepRecord.logTail (default 15). */
  tailLines?: number;
  signal?: AbortSignal;
  /**
   * An outer deadline (ms since the epoch), e.g. the whole operation's: when it passes before the
   * step's own timeout, the step is left running and a resumable DeadlineError is thrown; the
   * next run re-attaches to it.
   */
  deadline?: number;
}

/** What an unmarked program run (runProgram) leaves: its exit code and its whole output. */
export interface ProgramResult {
  /** undefined when the program ended without writing one (the guest rebooted or shut down under it). */
  exitCode: number | undefined;
  output: string;
}

/** A step that did not succeed; `record` is what the VM's record keeps of it. */
export class StepError extends Error {
  constructor(
    message: string,
    readonly record: StepRecord,
  ) {
    super(message);
    this.name = "StepError";
  }
}

interface RunMarker {
  hash: string;
  pid: number;
  startedAt: number;
  attempt: number;
}
interface DoneMarker {
  hash: string;
  exitCode: number;
}

const WRAPPER = "C:\\Windows\\System32\\cmd.exe";
const LINE_CHARS = 300;

function parseJson<T>(text: string | undefined): T | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined; // a marker cut short is no marker
  }
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).filter((l, i, all) => l !== "" || i < all.length - 1);
}

class StepRun {
  private reported = 0;
  private log = "";

  constructor(
    private readonly g: GuestClient,
    private readonly step: GuestStep,
    private readonly hash: string,
    private readonly opts: RunnerOptions,
    /** Marked runs keep .run/.done markers and stream their output as progress; unmarked ones (probes) do neither. */
    private readonly marked = true,
  ) {}

  private say(msg: string): void {
    this.opts.report(`step ${this.step.id}: ${redact(msg, this.g.secrets())}`);
  }

  private record(state: StepState, exitCode?: number): StepRecord {
    const tail = lines(this.log)
      .slice(-(this.opts.tailLines ?? 15))
      .map((l) => redact(l, this.g.secrets()).slice(0, LINE_CHARS));
    return { id: this.step.id, title: this.step.title, hash: this.hash, state, exitCode, logTail: tail };
  }

  /** Reads out.log and (for a marked step) reports the lines not reported yet. */
  private async streamLog(): Promise<void> {
    const text = await readGuestTextIfAny(this.g, stepPaths(this.step.id).log).catch(() => undefined);
    if (text === undefined) return;
    this.log = text;
    const all = lines(text);
    const complete = text.endsWith("\n") ? all : all.slice(0, -1); // a last line still being written waits
    if (this.marked) for (const l of complete.slice(this.reported)) this.say(l.slice(0, LINE_CHARS));
    this.reported = Math.max(this.reported, complete.length);
  }

  private async start(attempt: number): Promise<RunMarker> {
    const p = stepPaths(this.step.id);
    await this.g.deleteDirectory(p.dir);
    await this.g.makeDirectory(p.dir);
    for (const f of this.step.files ?? []) {
      const folder = f.guest.slice(0, f.guest.lastIndexOf("\\"));
      if (folder) await this.g.makeDirectory(folder);
      await uploadToGuest(this.g, f.guest, { file: f.local });
    }
    const s = scriptOf(this.step);
    if (s) await uploadToGuest(this.g, `${p.dir}\\step.${s.ext}`, { data: s.text });
    await uploadToGuest(this.g, p.wrapper, { data: wrapperOf(this.step) });
    const pid = await this.g.startProgram({ programPath: WRAPPER, arguments: `/c ${p.wrapper}`, workingDirectory: p.dir });
    const marker: RunMarker = { hash: this.hash, pid, startedAt: Date.now(), attempt };
    if (!this.marked) return marker;
    await uploadToGuest(this.g, p.running, { data: JSON.stringify(marker) });
    this.say(attempt > 1 ? `started again (attempt ${attempt}), pid ${pid}` : `started (${this.step.title}), pid ${pid}`);
    return marker;
  }

  /**
   * Waits for the wrapper's end; returns its exit code from exit.txt, or undefined when the
   * program ended (or vanished from the process list) without writing one. The step's own
   * timeout ends it (StepError); an outer deadline passing first leaves it running (DeadlineError).
   */
  private async wait(m: RunMarker): Promise<number | undefined> {
    const p = stepPaths(this.step.id);
    const own = m.startedAt + this.step.timeoutMs;
    const outerFirst = this.opts.deadline !== undefined && this.opts.deadline < own;
    const pollMs = this.opts.pollMs ?? 2000;
    try {
      return await waitFor<number | undefined>(
        async () => {
          const [proc] = await this.g.listProcesses([m.pid]);
          if (this.marked) await this.streamLog();
          // Windows reuses pids after a reboot: only our wrapper's command line counts as the step.
          const ours = proc !== undefined && proc.cmdLine.toLowerCase().includes(p.wrapper.toLowerCase());
          if (ours && proc.endTime === undefined) return { done: false };
          return { done: true, value: parseExitFile(await readGuestTextIfAny(this.g, p.exit)) };
        },
        {
          awaited: `guest step ${this.step.id} (${this.step.title}) in VM ${this.g.vmName}`,
          deadline: outerFirst ? this.opts.deadline! : own,
          resumable: outerFirst,
          fix: outerFirst ? "it was left running; run again to pick it up" : undefined,
          backoff: { initialMs: pollMs, maxMs: pollMs, factor: 1 },
          signal: this.opts.signal,
        },
      );
    } catch (err) {
      if (!(err instanceof DeadlineError) || outerFirst) throw err;
      await this.g.terminateProcess(m.pid);
      await this.streamLog();
      const rec = this.record("timedOut");
      if (this.marked) await this.g.deleteFile(p.running);
      throw new StepError(
        `guest step ${this.step.id} (${this.step.title}) did not finish within ${Math.round(this.step.timeoutMs / 1000)} s and was ended; ` +
          `raise its timeout or find what it waits for (last output: ${rec.logTail.slice(-3).join(" | ") || "none"})`,
        rec,
      );
    }
  }

  /** Runs the program once, now, with no markers: no skip, no rerun, nothing reported. */
  async once(): Promise<ProgramResult> {
    const exitCode = await this.wait(await this.start(1));
    const output = (await readGuestTextIfAny(this.g, stepPaths(this.step.id).log).catch(() => undefined)) ?? "";
    return { exitCode, output };
  }

  async run(): Promise<StepRecord> {
    const p = stepPaths(this.step.id);
    const done = parseJson<DoneMarker>(await readGuestTextIfAny(this.g, p.done));
    if (done?.hash === this.hash) {
      this.log = (await readGuestTextIfAny(this.g, p.log).catch(() => undefined)) ?? "";
      this.say("already done, skipped");
      return this.record("skipped", done.exitCode);
    }
    const maxAttempts = 1 + (this.opts.maxReruns ?? 1);
    let marker = parseJson<RunMarker>(await readGuestTextIfAny(this.g, p.running));
    if (marker && marker.hash === this.hash) {
      this.say(`resuming: pid ${marker.pid} started by an earlier run`);
    } else {
      // A different version of this step, or none: begin from a clean folder.
      await this.g.deleteFile(p.done);
      marker = await this.start(1);
    }
    for (;;) {
      const code = await this.wait(marker);
      if (code === undefined) {
        if (marker.attempt >= maxAttempts) {
          const rec = this.record("interrupted");
          await this.g.deleteFile(p.running);
          throw new StepError(
            `guest step ${this.step.id} (${this.step.title}) was interrupted ${marker.attempt} time(s) before it wrote its exit code ` +
              "(the guest rebooted, or the program was ended): find what restarts the guest during this step, then run pulumi up again",
            rec,
          );
        }
        this.say("ended without an exit code (the guest rebooted or the program was ended): running it again");
        marker = await this.start(marker.attempt + 1);
        continue;
      }
      await this.streamLog();
      await this.g.deleteFile(p.running);
      if (code !== 0) {
        const rec = this.record("failed", code);
        throw new StepError(
          `guest step ${this.step.id} (${this.step.title}) exited with code ${code}; its output ends with: ${rec.logTail.slice(-5).join(" | ") || "(nothing)"}`,
          rec,
        );
      }
      await uploadToGuest(this.g, p.done, { data: JSON.stringify({ hash: this.hash, exitCode: code } satisfies DoneMarker) });
      this.say(`done (exit code ${code})`);
      return this.record("done", code);
    }
  }
}

/** Runs one step (or skips/resumes it from its markers). */
export async function runStep(g: GuestClient, step: GuestStep, opts: RunnerOptions, hash = stepHash(step)): Promise<StepRecord> {
  checkStepId(step.id);
  return new StepRun(g, step, hash, opts).run();
}

/**
 * Runs a program or script now, awaited as steps are (the wrapper's exit.txt and out.log), but
 * with no markers: for probes and repeated work whose result is read each time. A timeout ends
 * it (StepError); an unwritten exit code is `exitCode: undefined`.
 */
export async function runProgram(g: GuestClient, step: GuestStep, opts: RunnerOptions): Promise<ProgramResult> {
  checkStepId(step.id);
  return new StepRun(g, step, "", opts, false).once();
}

/**
 * Runs steps in order. A failure throws StepError with `records` (those before it, then its
 * own) so the caller can keep them in the VM's record.
 */
export async function runSteps(g: GuestClient, steps: GuestStep[], opts: RunnerOptions): Promise<StepRecord[]> {
  const out: StepRecord[] = [];
  for (const s of steps) {
    try {
      out.push(await runStep(g, s, opts));
    } catch (err) {
      if (err instanceof StepError) throw new StepsError(err.message, [...out, err.record]);
      throw err;
    }
  }
  return out;
}

export class StepsError extends Error {
  constructor(
    message: string,
    readonly records: StepRecord[],
  ) {
    super(message);
    this.name = "StepsError";
  }
}
