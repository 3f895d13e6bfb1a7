/**
 * What the packaging stages need from the guest, kept small: steps and programs run through the
 * guest step runner (provider/guest), text files, the process list, a restart, readiness.
 * Every wait behind it is provider/wait's: a passed deadline is a DeadlineError.
 */
import type { GuestStep, ProgramResult, StepAction, StepRecord } from "../guest";

export type RunResult = ProgramResult;

export interface GuestPort {
  /** The packaging machine's VM name, for messages. */
  readonly vmName: string;
  /**
   * Runs a step once for good (the runner's markers): skipped when done, re-attached when an
   * earlier run left it running; `deadline` passing first leaves it running (a resumable
   * DeadlineError). Failures are the runner's StepError.
   */
  step(step: GuestStep, deadline: number): Promise<StepRecord>;
  /**
   * Runs a program or script now, awaited as the runner awaits steps but with no marker (probes,
   * update rounds, Shutdown For Finalize); at most timeoutMs, then it is ended (StepError).
   * `mayLoseGuest`: the program may take the guest away (a shutdown or reboot): losing it is
   * `exitCode: undefined`, not an error.
   */
  run(id: string, action: StepAction, timeoutMs: number, opts?: { mayLoseGuest?: boolean }): Promise<RunResult>;
  /** A text file's content, or undefined when it does not exist. */
  readText(path: string): Promise<string | undefined>;
  writeText(path: string, text: string): Promise<void>;
  /** Names (lower case) of the processes running now. */
  processes(): Promise<{ name: string; cmdLine: string; ended: boolean }[]>;
  /** Restarts Windows and waits until guest operations answer again, at most timeoutMs. */
  reboot(timeoutMs: number): Promise<void>;
  /** Waits until the machine is powered on and guest operations answer, at most until deadline (ms since epoch). */
  waitReady(deadline: number): Promise<void>;
}
