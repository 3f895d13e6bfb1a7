/**
 * The one way to wait: poll until done, within a deadline, abortable, with a backoff that grows
 * while nothing changes and resets on a change, an optional poll budget, transient failures ridden
 * out, and progress reported on every change. A passed deadline is always a DeadlineError.
 */
import { Backoff, PollBudget, PollWindow, checkBackoff, nextDelay } from "./backoff";
import { DeadlineError } from "./deadlineError";

/**
 * One poll's outcome: finished with a value, finished badly (the error is thrown), or still going.
 * A state given with any of them is reported to onChange first (so the final state is seen too).
 */
export type Step<R, S> = { done: true; value: R; state?: S } | { done: true; error: unknown; state?: S } | { done: false; state?: S };

export interface PollContext {
  /** The wait's deadline (ms since the epoch); a poll's own request should not outlive it by much. */
  deadline: number;
  /** 0 for the first poll. */
  attempt: number;
}

/** Time as the wait sees it; tests pass a virtual one. */
export interface WaitClock {
  now(): number;
  /** Resolves after `ms`, or early when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface WaitForOptions<S> {
  /** What is awaited, for the DeadlineError (e.g. `ELM task 12 at https://elm`). */
  awaited: string;
  /** Absolute deadline, ms since the epoch. */
  deadline: number;
  /** Does the awaited work go on without us, so that a rerun resumes it? Stated in the DeadlineError. */
  resumable: boolean;
  /** The user's way out when the deadline passes (e.g. `raise createTimeout`). */
  fix?: string;
  signal?: AbortSignal;
  /** Default: 50 ms growing by 2 up to 1 s. */
  backoff?: Backoff;
  budget?: PollBudget;
  /** Failures a wait rides out (the next poll may well succeed); anything else is thrown at once. */
  transient?: (err: unknown) => boolean;
  /** Consecutive transient failures tolerated before the last one is thrown (default 3). */
  maxTransient?: number;
  /** Called with the first state and with each state whose key differs from the last one's. */
  onChange?: (state: S) => void;
  /** Identity of a state for change detection (default JSON.stringify). */
  changeKey?: (state: S) => string;
  /** The last state as text for the DeadlineError. */
  describe?: (state: S) => string;
  /** What an abort throws (default: the signal's reason when it is an Error, else an AbortError). */
  aborted?: (last: S | undefined) => Error;
  clock?: WaitClock;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 50, maxMs: 1000, factor: 2 };
export const DEFAULT_MAX_TRANSIENT = 3;

export const realClock: WaitClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
      signal?.addEventListener("abort", done, { once: true });
    }),
};

export async function waitFor<R, S = unknown>(poll: (ctx: PollContext) => Promise<Step<R, S>>, opts: WaitForOptions<S>): Promise<R> {
  const clock = opts.clock ?? realClock;
  const backoff = checkBackoff(opts.backoff ?? DEFAULT_BACKOFF);
  const window = opts.budget ? new PollWindow(opts.budget) : undefined;
  const maxTransient = opts.maxTransient ?? DEFAULT_MAX_TRANSIENT;
  const key = opts.changeKey ?? ((s: S) => JSON.stringify(s));
  const start = clock.now();
  let last: S | undefined;
  let lastKey: string | undefined;
  let delay: number | undefined;
  let failures = 0;

  const deadlineError = (cause?: unknown) =>
    new DeadlineError({
      awaited: opts.awaited,
      waitedMs: clock.now() - start,
      resumable: opts.resumable,
      lastSeen: last !== undefined && opts.describe ? opts.describe(last) : undefined,
      last,
      fix: opts.fix,
      cause,
    });
  const checkAbort = () => {
    const s = opts.signal;
    if (!s?.aborted) return;
    if (opts.aborted) throw opts.aborted(last);
    throw s.reason instanceof Error ? s.reason : Object.assign(new Error(`stopped waiting for ${opts.awaited}`), { name: "AbortError" });
  };
  /** Sleeps up to the deadline; false when the deadline leaves no time. */
  const pause = async (ms: number): Promise<boolean> => {
    const left = opts.deadline - clock.now();
    if (left <= 0) return false;
    await clock.sleep(Math.min(ms, left), opts.signal);
    checkAbort();
    return true;
  };

  for (let attempt = 0; ; attempt++) {
    checkAbort();
    if (window) {
      for (let wait = window.waitMs(clock.now()); wait > 0; wait = window.waitMs(clock.now())) {
        if (!(await pause(wait))) throw deadlineError();
      }
      window.record(clock.now());
    }
    let step: Step<R, S> | undefined;
    try {
      step = await poll({ deadline: opts.deadline, attempt });
      failures = 0;
    } catch (err) {
      checkAbort();
      if (clock.now() >= opts.deadline) throw deadlineError(err);
      if (!opts.transient?.(err) || ++failures > maxTransient) throw err;
    }
    let changed = false;
    if (step?.state !== undefined) {
      const k = key(step.state);
      changed = k !== lastKey;
      last = step.state;
      if (changed) {
        lastKey = k;
        opts.onChange?.(step.state);
      }
    }
    if (step?.done) {
      if ("error" in step) throw step.error;
      return step.value;
    }
    delay = nextDelay(backoff, delay, changed);
    if (!(await pause(delay))) throw deadlineError();
  }
}
