/** Waiting for vim Tasks: `info` through WaitForUpdatesEx (updates.ts) until success or error, within a deadline. */
import { asNumber, asObject, decodeMoRef } from "./decode";
import { fromLocalizedFault } from "./faults";
import type { PropertyCollectorHost } from "./properties";
import type { MoRef, VimValue } from "./types";
import type { XmlElement } from "../soap";
import { waitForProperties } from "./updates";

export interface WaitOptions {
  /** Give up after this many milliseconds (default 30 minutes). */
  timeoutMs?: number;
  /** Or at this absolute time (ms since epoch); the earlier of the two wins. */
  deadline?: number;
  /** Called with the task's progress percent when the server reports a new one. */
  onProgress?: (percent: number) => void;
  /** Stops waiting (the task keeps running on the server). */
  signal?: AbortSignal;
  /** What the task does, for error messages (e.g. "powering on DC0/vm/web01"). */
  operation?: string;
}

/** The Task moref a `*_Task` method returned. */
export function taskRef(payload: XmlElement): MoRef {
  const rv = payload.children.find((x) => x.name === "returnval");
  if (!rv) throw new Error(`${payload.name} returned no task`);
  return decodeMoRef(rv);
}

/**
 * Waits for a task and returns `info.result` (e.g. the new VM's moref). A task that ends in
 * error throws the typed VimFault with the server's localized message; one still running at the
 * deadline throws a DeadlineError (the task goes on in vCenter, but a rerun does not resume it).
 */
export async function waitForTask(c: PropertyCollectorHost, task: MoRef, opts: WaitOptions = {}): Promise<VimValue | undefined> {
  const deadline = Math.min(Date.now() + (opts.timeoutMs ?? 30 * 60_000), opts.deadline ?? Infinity);
  const operation = opts.operation ?? `task ${task.value}`;
  let progress: number | undefined;
  return waitForProperties(
    c,
    task,
    ["info"],
    (props) => {
      const info = asObject(props.info);
      if (info.state === "success") return { done: true, value: info.result };
      if (info.state === "error") return { done: true, error: fromLocalizedFault(info.error, operation) };
      return { done: false };
    },
    {
      awaited: `${operation} (task ${task.value})`,
      deadline,
      resumable: false,
      fix: "look at the task in vCenter's Recent Tasks, then retry with a longer timeout",
      signal: opts.signal,
      onChange: (props) => {
        const p = asNumber(asObject(props.info).progress);
        if (p !== undefined && p !== progress) opts.onProgress?.((progress = p));
      },
      describe: (props) => `last ${String(asObject(props.info).state ?? "unknown")}`,
    },
  );
}
