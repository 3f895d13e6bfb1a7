/** Waiting for vim Tasks: poll `info` until success or error, within a deadline. */
import { sleep } from "../soap";
import { asNumber, decodeMoRef } from "./decode";
import { fromLocalizedFault } from "./faults";
import { retrieveProperties, type PropertyCollectorHost } from "./properties";
import type { MoRef, VimObject, VimValue } from "./types";
import type { XmlElement } from "../soap";

export interface WaitOptions {
  /** Give up after this many milliseconds (default 30 minutes). */
  timeoutMs?: number;
  /** Or at this absolute time (ms since epoch); the earlier of the two wins. */
  deadline?: number;
  /** Called with the task's progress percent when the server reports one. */
  onProgress?: (percent: number) => void;
  /** Stops waiting (the task keeps running on the server). */
  signal?: AbortSignal;
  /** What the task does, for error messages (e.g. "powering on DC0/vm/web01"). */
  operation?: string;
}

/** Thrown when a task is still running at the deadline. */
export class TaskTimeoutError extends Error {
  constructor(readonly task: MoRef, operation: string, timeoutMs: number) {
    super(`${operation}: task ${task.value} did not finish within ${seconds(timeoutMs)} s; it may still be running in vCenter (check Recent Tasks), then retry with a longer timeout`);
    this.name = "TaskTimeoutError";
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
}

/** The Task moref a `*_Task` method returned. */
export function taskRef(payload: XmlElement): MoRef {
  const rv = payload.children.find((x) => x.name === "returnval");
  if (!rv) throw new Error(`${payload.name} returned no task`);
  return decodeMoRef(rv);
}

/**
 * Waits for a task and returns `info.result` (e.g. the new VM's moref). A task that ends in
 * error throws the typed VimFault with the server's localized message.
 */
export async function waitForTask(c: PropertyCollectorHost, task: MoRef, opts: WaitOptions = {}): Promise<VimValue | undefined> {
  const start = Date.now();
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const deadline = Math.min(start + timeoutMs, opts.deadline ?? Infinity);
  const operation = opts.operation ?? `task ${task.value}`;
  let delay = 50;
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error(`${operation}: aborted`);
    let oc;
    try {
      oc = await retrieveProperties(c, task, ["info"], deadline); // the deadline holds during a poll too
    } catch (e) {
      if (Date.now() >= deadline) throw new TaskTimeoutError(task, operation, deadline - start);
      throw e;
    }
    const info = (oc.props.info ?? {}) as VimObject;
    const state = info.state;
    if (state === "success") return info.result;
    if (state === "error") throw fromLocalizedFault(info.error, operation);
    const progress = asNumber(info.progress);
    if (progress !== undefined) opts.onProgress?.(progress);
    if (Date.now() >= deadline) throw new TaskTimeoutError(task, operation, deadline - start);
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())), opts.signal);
    delay = Math.min(delay * 2, 1000);
  }
}
