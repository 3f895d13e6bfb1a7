/**
 * The one error every wait throws when its deadline passes: it names what was awaited, how long,
 * what was last seen, and whether a rerun resumes the work (it kept running on the server) or
 * starts it again. Callers test `instanceof DeadlineError`, never a message.
 */
export interface DeadlineErrorFields {
  /** What was awaited, e.g. `ELM task 12 (DeleteOsLayerRevisions) at https://elm` or `cloning web01 (task task-7)`. */
  awaited: string;
  waitedMs: number;
  /** True when the work goes on without us and the next run picks it up where it is. */
  resumable: boolean;
  /** The last state seen, as text for the message (e.g. `last Running (Copying 40%)`). */
  lastSeen?: string;
  /** The last state seen, as the caller's value (e.g. the WorkTicket). */
  last?: unknown;
  /** What the user can do, e.g. `raise createTimeout`. */
  fix?: string;
  /** The error of a poll that ran into the deadline, if one did. */
  cause?: unknown;
}

export class DeadlineError extends Error {
  readonly awaited: string;
  readonly waitedMs: number;
  readonly resumable: boolean;
  readonly last?: unknown;

  constructor(f: DeadlineErrorFields) {
    const rerun = f.resumable
      ? "it keeps running, and the next run resumes it"
      : "the next run does not resume it: it looks at the state again and starts over where needed";
    super(
      `timed out waiting for ${f.awaited} after ${seconds(f.waitedMs)} s${f.lastSeen ? ` (${f.lastSeen})` : ""}; ${rerun}${f.fix ? `; ${f.fix}` : ""}`,
      f.cause === undefined ? undefined : { cause: f.cause },
    );
    this.name = "DeadlineError";
    this.awaited = f.awaited;
    this.waitedMs = f.waitedMs;
    this.resumable = f.resumable;
    this.last = f.last;
  }
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(ms < 10_000 ? 1 : 0);
}
