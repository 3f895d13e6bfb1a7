/** The pool's own rules, with a fake session kind: one open in flight, leases, failed opens, bounded exit. */
import { SessionPool, SessionKind, sessionKey } from "../../../provider/sessions";

function counting(over: Partial<SessionKind<{ id: number }>> = {}) {
  const stats = { opens: 0, closes: 0 };
  const kind: SessionKind<{ id: number }> = {
    open: async () => ({ id: ++stats.opens }),
    close: async () => {
      stats.closes++;
    },
    ...over,
  };
  return { kind, stats };
}

describe("SessionPool", () => {
  it("opens once for parallel callers and closes at once when idleMs is 0", async () => {
    const pool = new SessionPool({ idleMs: () => 0, exitHooks: false });
    const { kind, stats } = counting();
    const ids = await Promise.all(Array.from({ length: 5 }, () => pool.use("k", kind, async (s) => s.id)));
    expect(ids).toEqual([1, 1, 1, 1, 1]);
    expect(stats).toEqual({ opens: 1, closes: 1 });
    expect(pool.size).toBe(0);
  });

  it("does not keep a failed open: the next call opens again", async () => {
    const pool = new SessionPool({ idleMs: () => 60_000, exitHooks: false });
    let fail = true;
    const { kind, stats } = counting({
      open: async () => {
        if (fail) throw new Error("refused");
        return { id: 7 };
      },
    });
    await expect(pool.use("k", kind, async (s) => s.id)).rejects.toThrow("refused");
    expect(pool.size).toBe(0);
    fail = false;
    expect(await pool.use("k", kind, async (s) => s.id)).toBe(7);
    await pool.closeAll();
    expect(stats.closes).toBe(1);
  });

  it("retires a session whose call failed as expired, so the next call gets a fresh one", async () => {
    const pool = new SessionPool({ idleMs: () => 60_000, exitHooks: false });
    const { kind, stats } = counting({ expired: (e) => (e as Error).message === "gone" });
    await expect(pool.use("k", kind, async () => Promise.reject(new Error("gone")))).rejects.toThrow("gone");
    expect(stats.closes).toBe(1);
    expect(await pool.use("k", kind, async (s) => s.id)).toBe(2);
    await pool.closeAll();
  });

  it("ends closeAll within its budget even when a logout hangs", async () => {
    const pool = new SessionPool({ idleMs: () => 60_000, exitHooks: false });
    const { kind } = counting({ close: () => new Promise<void>(() => undefined) });
    await pool.use("k", kind, async () => undefined);
    await pool.closeAll(50); // would never resolve if the bound did not hold
    expect(pool.size).toBe(0);
  });

  it("keys by a fingerprint that never holds the secret", () => {
    const key = sessionKey("elm", "https://elm/", ["administrator", "S3cret-pass"]);
    expect(key).not.toContain("S3cret-pass");
    expect(key).toMatch(/^elm\|https:\/\/elm\/\|[0-9a-f]{64}$/);
    expect(sessionKey("elm", "https://elm/", ["administrator", "other"])).not.toBe(key);
  });
});
