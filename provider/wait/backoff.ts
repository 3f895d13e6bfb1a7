/**
 * How often a wait polls: a backoff that grows while nothing changes and starts again at its first
 * interval after a change, and an optional budget of polls per time window (the hard cap on how
 * hard we press a server however often the awaited thing changes).
 */
export interface Backoff {
  /** Pause after the first poll and after every change (> 0). */
  initialMs: number;
  /** Longest pause, reached while nothing changes. */
  maxMs: number;
  /** Growth per unchanged poll (>= 1). */
  factor: number;
}

/** At most `polls` polls in any window of `perMs`. */
export interface PollBudget {
  polls: number;
  perMs: number;
}

export function checkBackoff(b: Backoff): Backoff {
  if (!(b.initialMs > 0) || !(b.maxMs >= b.initialMs) || !(b.factor >= 1)) {
    throw new RangeError(`backoff needs 0 < initialMs <= maxMs and factor >= 1, got ${JSON.stringify(b)}`);
  }
  return b;
}

/** The pause after a poll: back to the first interval after a change, else grown up to the longest. */
export function nextDelay(b: Backoff, previous: number | undefined, changed: boolean): number {
  if (changed || previous === undefined) return b.initialMs;
  return Math.min(b.maxMs, Math.max(b.initialMs, previous * b.factor));
}

/** Remembers when the last polls went out; says how long the next one must wait to stay in budget. */
export class PollWindow {
  private readonly stamps: number[] = [];

  constructor(private readonly budget: PollBudget) {
    if (!(budget.polls >= 1) || !(budget.perMs > 0)) throw new RangeError(`poll budget needs polls >= 1 and perMs > 0, got ${JSON.stringify(budget)}`);
  }

  /** Milliseconds until a poll at `now` would stay within the budget (0: go). */
  waitMs(now: number): number {
    while (this.stamps.length > 0 && this.stamps[0] <= now - this.budget.perMs) this.stamps.shift();
    return this.stamps.length < this.budget.polls ? 0 : this.stamps[0] + this.budget.perMs - now;
  }

  record(now: number): void {
    this.stamps.push(now);
  }
}
