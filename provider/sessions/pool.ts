/**
 * One session policy for the three peers (vim25, ELM, SMB): a session is shared per (peer,
 * address, credentials fingerprint) in this host process, opened once however many calls arrive
 * together, kept while any call holds a lease, logged out when idle for `idleMs` and, best effort
 * and bounded, when the process exits. Expiry during a call is the clients' business (they log in
 * again and retry that call once, sessions/relogin.ts); an expiry that still escapes retires the
 * session here, so the next call opens a fresh one.
 */

/** How to open and end one kind of session. */
export interface SessionKind<S> {
  open(): Promise<S>;
  /** Logs out (best effort) and closes sockets; must not outlive `deadline` (ms since the epoch) by much. */
  close(session: S, deadline: number): Promise<void>;
  /** The error says the session is gone (a retry inside the client did not help): do not reuse it. */
  expired?(err: unknown): boolean;
}

interface Entry {
  key: string;
  session: Promise<unknown>;
  close: (deadline: number) => Promise<void>;
  users: number;
  idle?: NodeJS.Timeout;
  retired: boolean;
  ended: boolean;
}

export interface PoolOptions {
  /** How long a session with no lease stays open, in ms (read at each release; 0: close at once). */
  idleMs: () => number;
  /** The most an exit-time logout may take, in ms (default 3000). */
  exitBudgetMs?: number;
  /** Install beforeExit/SIGTERM hooks that log out (default true). */
  exitHooks?: boolean;
}

export class SessionPool {
  private readonly entries = new Map<string, Entry>();
  private closing = new Set<Promise<void>>();
  private hooked = false;
  /** Sessions opened, for diagnostics and tests. */
  opened = 0;

  constructor(private readonly opts: PoolOptions) {}

  /** Sessions currently pooled (leased or idle). */
  get size(): number {
    return this.entries.size;
  }

  /** Runs `fn` with the shared session for `key`, opening it if needed. */
  async use<S, T>(key: string, kind: SessionKind<S>, fn: (session: S) => Promise<T>): Promise<T> {
    const entry = this.lease(key, kind);
    try {
      const session = (await entry.session) as S;
      try {
        return await fn(session);
      } catch (err) {
        if (kind.expired?.(err)) this.retire(entry);
        throw err;
      }
    } finally {
      this.release(entry);
    }
  }

  private lease<S>(key: string, kind: SessionKind<S>): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      const opening = kind.open();
      const e: Entry = { key, session: opening, users: 0, retired: false, ended: false, close: async (deadline) => kind.close(await opening, deadline) };
      // A failed open is not kept: the next call tries again (and reports its own error).
      opening.then(
        () => undefined,
        () => this.retire(e, false),
      );
      this.entries.set(key, e);
      this.opened++;
      entry = e;
      this.hook();
    }
    clearTimeout(entry.idle);
    entry.idle = undefined;
    entry.users++;
    return entry;
  }

  private release(entry: Entry): void {
    entry.users--;
    if (entry.users > 0) return;
    const idleMs = entry.retired ? 0 : this.opts.idleMs();
    if (idleMs <= 0) return this.end(entry);
    // unref: a host the engine is done with may exit; beforeExit then logs out.
    entry.idle = setTimeout(() => {
      if (entry.users === 0) this.end(entry);
    }, idleMs);
    entry.idle.unref();
  }

  /** Takes a session out of the pool; it ends when its last lease is released. */
  private retire(entry: Entry, close = true): void {
    entry.retired = true;
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    if (close && entry.users === 0) this.end(entry);
  }

  private end(entry: Entry, budgetMs = 30_000): void {
    clearTimeout(entry.idle);
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    if (entry.ended) return;
    entry.ended = true;
    const p = entry
      .close(Date.now() + budgetMs)
      .catch(() => undefined)
      .finally(() => this.closing.delete(p));
    this.closing.add(p);
  }

  /** Logs every session out (those in use too: the process is ending), within `budgetMs`. */
  async closeAll(budgetMs = this.opts.exitBudgetMs ?? 3000): Promise<void> {
    for (const e of [...this.entries.values()]) {
      // Still opening: nothing to end until it has opened (or failed).
      this.end(e, budgetMs);
    }
    const all = Promise.allSettled([...this.closing]);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((r) => {
      timer = setTimeout(r, budgetMs);
      timer.unref();
    });
    await Promise.race([all, bound]);
    clearTimeout(timer);
  }

  private hook(): void {
    if (this.hooked || this.opts.exitHooks === false) return;
    this.hooked = true;
    // The loop is empty (idle timers are unref'd): log out, which runs the loop once more.
    process.on("beforeExit", () => {
      if (this.entries.size > 0) void this.closeAll();
    });
    const onTerm = (): void => {
      void this.closeAll().finally(() => {
        process.removeListener("SIGTERM", onTerm);
        // Nobody else handles SIGTERM: end the process as the default action would have.
        if (process.listenerCount("SIGTERM") === 0) process.kill(process.pid, "SIGTERM");
      });
    };
    process.on("SIGTERM", onTerm);
  }
}
