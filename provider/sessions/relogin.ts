/**
 * Log in again on expiry and retry the call once: the one policy of the vim25, ELM and SMB
 * clients. Concurrent callers that meet the same expiry share one login: a call that started
 * before a login that has since completed retries without logging in again.
 */
export class Relogin {
  private inflight?: Promise<void>;
  private generation = 0;

  constructor(private readonly login: () => Promise<void>) {}

  /** Logs in again; callers arriving while a login is in flight await that one. */
  renew(): Promise<void> {
    this.inflight ??= this.login()
      .then(() => {
        this.generation++;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /** Runs `call`; if it fails with an expired session (`expired`), logs in again and runs it once more. */
  async call<T>(call: () => Promise<T>, expired: (err: unknown) => boolean): Promise<T> {
    const started = this.generation;
    try {
      return await call();
    } catch (err) {
      if (!expired(err)) throw err;
      if (this.generation === started || this.inflight) await this.renew();
      return call();
    }
  }
}
