/** The wait primitive on a virtual clock: every pause it takes is recorded, none is real. */
import { DeadlineError, PollWindow, nextDelay, waitFor, type Step, type WaitClock } from "../../../provider/wait";

/** A clock whose sleep advances virtual time at once and records the pause. */
function virtualClock(start = 1_000_000) {
  let t = start;
  const pauses: number[] = [];
  const clock: WaitClock = {
    now: () => t,
    sleep: async (ms, signal) => {
      if (signal?.aborted) return;
      pauses.push(ms);
      t += ms;
    },
  };
  return { clock, pauses, advance: (ms: number) => void (t += ms), now: () => t };
}

/** A poll that answers from a script of states; "done" ends the wait. */
function scripted<S>(states: Array<S | "done" | Error>) {
  let i = 0;
  const times: number[] = [];
  return {
    times,
    poll: (now: () => number) => async (): Promise<Step<string, S>> => {
      times.push(now());
      const s = states[Math.min(i++, states.length - 1)];
      if (s instanceof Error) throw s;
      if (s === "done") return { done: true, value: "finished" };
      return { done: false, state: s };
    },
  };
}

const backoff = { initialMs: 100, maxMs: 800, factor: 2 };

describe("waitFor", () => {
  it("returns the value once a poll says done, pausing by the backoff in between", async () => {
    const v = virtualClock();
    const s = scripted(["a", "a", "a", "done"]);
    const r = await waitFor(s.poll(v.now), { awaited: "x", deadline: v.now() + 60_000, resumable: true, backoff, clock: v.clock });
    expect(r).toBe("finished");
    expect(v.pauses).toEqual([100, 200, 400]);
  });

  it("grows the pause up to the longest while nothing changes, and starts again soon after a change", async () => {
    const v = virtualClock();
    const seen: string[] = [];
    const s = scripted(["a", "a", "a", "a", "a", "a", "b", "b", "b", "done"]);
    await waitFor(s.poll(v.now), { awaited: "x", deadline: v.now() + 60_000, resumable: true, backoff, clock: v.clock, onChange: (x) => seen.push(x) });
    expect(v.pauses).toEqual([100, 200, 400, 800, 800, 800, 100, 200, 400]);
    expect(seen).toEqual(["a", "b"]);
  });

  it("throws one DeadlineError naming what was awaited, how long, the last state and whether a rerun resumes", async () => {
    const v = virtualClock();
    const s = scripted(["Running"]);
    const err = await waitFor(s.poll(v.now), {
      awaited: "ELM task 7", deadline: v.now() + 1000, resumable: true, backoff, clock: v.clock,
      describe: (x) => `last ${x}`, fix: "raise createTimeout",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineError);
    const d = err as DeadlineError;
    expect(d).toMatchObject({ awaited: "ELM task 7", waitedMs: 1000, resumable: true, last: "Running" });
    expect(d.message).toBe("timed out waiting for ELM task 7 after 1.0 s (last Running); it keeps running, and the next run resumes it; raise createTimeout");
    // the pauses never run past the deadline, and the last poll is made at it
    expect(v.pauses.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(s.times[s.times.length - 1]).toBe(v.now());
  });

  it("says so when a rerun does not resume", async () => {
    const v = virtualClock();
    const err = (await waitFor(scripted(["x"]).poll(v.now), { awaited: "a task", deadline: v.now() + 10, resumable: false, backoff, clock: v.clock }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/the next run does not resume it/);
  });

  it("a poll failing at the deadline is a DeadlineError carrying the failure as its cause", async () => {
    const v = virtualClock();
    const boom = new Error("socket timeout");
    const poll = async (): Promise<Step<string, string>> => {
      v.advance(5000);
      throw boom;
    };
    const err = await waitFor(poll, { awaited: "a lease", deadline: v.now() + 2000, resumable: false, backoff, clock: v.clock }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineError);
    expect((err as Error).cause).toBe(boom);
  });

  it("rides out consecutive transient failures up to the limit, counting afresh after a good poll", async () => {
    const v = virtualClock();
    const t = () => Object.assign(new Error("HTTP 503"), { transient: true });
    const s = scripted(["a", t(), t(), t(), "a", t(), t(), t(), "done"]);
    const r = await waitFor(s.poll(v.now), {
      awaited: "x", deadline: v.now() + 600_000, resumable: true, backoff, clock: v.clock, transient: (e) => (e as { transient?: boolean }).transient === true,
    });
    expect(r).toBe("finished");
    expect(s.times).toHaveLength(9);
  });

  it("throws the fourth consecutive transient failure, and any other failure at once", async () => {
    const v = virtualClock();
    const isT = (e: unknown) => (e as Error).message === "503";
    const four = scripted([new Error("503"), new Error("503"), new Error("503"), new Error("503"), "done"]);
    await expect(waitFor(four.poll(v.now), { awaited: "x", deadline: v.now() + 600_000, resumable: true, backoff, clock: v.clock, transient: isT })).rejects.toThrow("503");
    expect(four.times).toHaveLength(4);
    const other = scripted([new Error("NotFound"), "done"]);
    await expect(waitFor(other.poll(v.now), { awaited: "x", deadline: v.now() + 600_000, resumable: true, backoff, clock: v.clock, transient: isT })).rejects.toThrow("NotFound");
    expect(other.times).toHaveLength(1);
  });

  it("stops when aborted, before the next poll, with the signal's reason or the caller's error", async () => {
    const v = virtualClock();
    const ac = new AbortController();
    let polls = 0;
    const poll = async (): Promise<Step<string, string>> => {
      if (++polls === 3) ac.abort(new Error("user pressed Ctrl-C"));
      return { done: false, state: "a" };
    };
    await expect(waitFor(poll, { awaited: "x", deadline: v.now() + 60_000, resumable: true, backoff, clock: v.clock, signal: ac.signal })).rejects.toThrow("user pressed Ctrl-C");
    expect(polls).toBe(3);
    const err = await waitFor(poll, { awaited: "x", deadline: v.now() + 60_000, resumable: true, clock: v.clock, signal: ac.signal, aborted: (last) => new Error(`aborted at ${last}`) }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("aborted at undefined");
  });

  it("an abort during a real pause ends it early", async () => {
    const ac = new AbortController();
    const poll = async (): Promise<Step<string, string>> => {
      setImmediate(() => ac.abort());
      return { done: false, state: "a" };
    };
    const err = await waitFor(poll, { awaited: "a ticket", deadline: Date.now() + 3_600_000, resumable: true, backoff: { initialMs: 3_600_000, maxMs: 3_600_000, factor: 1 }, signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "AbortError", message: "stopped waiting for a ticket" });
  });

  it("keeps to the poll budget however often the state changes", async () => {
    const v = virtualClock();
    let n = 0;
    const times: number[] = [];
    const poll = async (): Promise<Step<string, number>> => {
      times.push(v.now());
      return ++n > 40 ? { done: true, value: "ok" } : { done: false, state: n }; // a change on every poll
    };
    await waitFor(poll, { awaited: "x", deadline: v.now() + 3_600_000, resumable: true, backoff: { initialMs: 1000, maxMs: 30_000, factor: 1.5 }, budget: { polls: 10, perMs: 60_000 }, clock: v.clock });
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 60_000).length).toBeLessThanOrEqual(10);
    expect(times).toHaveLength(41);
  });
});

describe("backoff parts", () => {
  it("nextDelay starts at the first interval, grows by the factor to the cap, and resets on a change", () => {
    const b = { initialMs: 1000, maxMs: 30_000, factor: 1.5 };
    const seq: number[] = [];
    let d: number | undefined;
    for (let i = 0; i < 12; i++) seq.push((d = nextDelay(b, d, i === 0)));
    expect(seq.slice(0, 4)).toEqual([1000, 1500, 2250, 3375]);
    expect(seq[seq.length - 1]).toBe(30_000);
    expect(nextDelay(b, 30_000, true)).toBe(1000);
  });

  it("PollWindow lets `polls` through per window, then names the wait", () => {
    const w = new PollWindow({ polls: 2, perMs: 1000 });
    expect(w.waitMs(0)).toBe(0);
    w.record(0);
    w.record(100);
    expect(w.waitMs(200)).toBe(800);
    expect(w.waitMs(1000)).toBe(0);
  });

  it("refuses a backoff that would spin or shrink", async () => {
    const v = virtualClock();
    await expect(waitFor(async () => ({ done: true, value: 1 }), { awaited: "x", deadline: v.now() + 1, resumable: true, backoff: { initialMs: 0, maxMs: 0, factor: 2 }, clock: v.clock })).rejects.toThrow(RangeError);
  });
});

describe("waitFor's final state", () => {
  it("reports the state a poll ends with, then returns its value or throws its error", async () => {
    const v = virtualClock();
    const seen: string[] = [];
    const ok = await waitFor<string, string>(async () => ({ done: true, value: "v", state: "Complete" }), { awaited: "x", deadline: v.now() + 1000, resumable: true, clock: v.clock, onChange: (s) => seen.push(s) });
    expect(ok).toBe("v");
    const failed = new Error("ended Failed");
    await expect(waitFor<string, string>(async () => ({ done: true, error: failed, state: "Failed" }), { awaited: "x", deadline: v.now() + 1000, resumable: true, clock: v.clock, onChange: (s) => seen.push(s) })).rejects.toBe(failed);
    expect(seen).toEqual(["Complete", "Failed"]);
  });
});
