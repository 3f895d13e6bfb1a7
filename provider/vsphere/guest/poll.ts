/**
 * The one poll loop of guest operations: try, and on a transient answer wait (growing from
 * `firstMs` to `maxMs`) until the deadline. Kept in one place so it can move onto the shared
 * wait primitive (provider/wait) without touching callers.
 */
import { sleep } from "../../soap";

export interface PollOptions {
  /** ms since the epoch; the last attempt starts before it. */
  deadline: number;
  firstMs?: number;
  maxMs?: number;
  signal?: AbortSignal;
}

/** Calls `attempt` until it returns a value other than undefined; `onTimeout` makes the error at the deadline. */
export async function pollUntil<T>(attempt: () => Promise<T | undefined>, opts: PollOptions, onTimeout: () => Error): Promise<T> {
  let delay = opts.firstMs ?? 100;
  for (;;) {
    opts.signal?.throwIfAborted();
    const v = await attempt();
    if (v !== undefined) return v;
    const left = opts.deadline - Date.now();
    if (left <= 0) throw onTimeout();
    await sleep(Math.min(delay, left), opts.signal);
    delay = Math.min(delay * 2, opts.maxMs ?? 2000);
  }
}
