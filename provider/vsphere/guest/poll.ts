/**
 * The retry loop of guest calls: try, and on a transient answer (GuestOperationsUnavailable) wait,
 * growing from `firstMs` to `maxMs`, until the deadline. On the shared wait primitive
 * (provider/wait); the caller's `onTimeout` makes the error at the deadline.
 */
import { DeadlineError, waitFor } from "../../wait";

export interface PollOptions {
  /** ms since the epoch; the last attempt starts before it. */
  deadline: number;
  firstMs?: number;
  maxMs?: number;
  signal?: AbortSignal;
}

/** Calls `attempt` until it returns a value other than undefined; `onTimeout` makes the error at the deadline. */
export async function pollUntil<T>(attempt: () => Promise<T | undefined>, opts: PollOptions, onTimeout: () => Error): Promise<T> {
  const firstMs = opts.firstMs ?? 100;
  try {
    return await waitFor<T>(
      // A failure is the answer (even one past the deadline), not a reason to time out.
      async () => {
        try {
          const v = await attempt();
          return v === undefined ? { done: false } : { done: true, value: v };
        } catch (error) {
          return { done: true, error };
        }
      },
      { awaited: "guest operations", deadline: opts.deadline, resumable: false, signal: opts.signal, backoff: { initialMs: firstMs, maxMs: Math.max(firstMs, opts.maxMs ?? 2000), factor: 2 } },
    );
  } catch (err) {
    if (err instanceof DeadlineError) throw onTimeout();
    throw err;
  }
}
