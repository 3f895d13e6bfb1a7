/**
 * How hard an ELM wait polls (issue 18): the first poll after a change comes soon (1/30 of the cap,
 * 1 s by default), the pause then grows by half while nothing changes up to the cap (30 s), and
 * however often the ticket changes a wait sends at most 10 polls per two caps (one minute), so a long
 * ticket costs at most 12 requests per minute (a poll is one request; the one that finds the
 * ticket finished in the completed list is two). One knob, `pollMaxMs`, scales it all: simulators
 * whose clock runs fast set it small.
 */
import type { Backoff, PollBudget } from "../wait";

export interface ElmPollOptions {
  /** Longest pause between two polls while nothing changes (default 30 000 ms; the provider passes its setting in). */
  pollMaxMs?: number;
  /** Pause after the first poll and after each change (default pollMaxMs / 30). */
  pollFirstMs?: number;
}

export const DEFAULT_POLL_MAX_MS = 30_000;
/** Polls per window of two caps: 10 per minute by default. */
export const POLLS_PER_WINDOW = 10;

export function elmPollPolicy(o: ElmPollOptions = {}): { backoff: Backoff; budget: PollBudget } {
  const maxMs = o.pollMaxMs ?? DEFAULT_POLL_MAX_MS;
  const initialMs = Math.min(maxMs, o.pollFirstMs ?? maxMs / 30);
  return { backoff: { initialMs, maxMs, factor: 1.5 }, budget: { polls: POLLS_PER_WINDOW, perMs: 2 * maxMs } };
}
