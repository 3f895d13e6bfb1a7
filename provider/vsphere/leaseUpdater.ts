/**
 * The NFC lease keep-alive, as govmomi's nfc/lease_updater.go: while disks stream, report progress
 * (HttpNfcLeaseProgress) every interval, which also renews the lease; vSphere expires a lease that
 * hears nothing for leaseTimeout seconds. One report at a time (a slow vCenter never piles them up);
 * the first failure stops the updater and goes to `onFailure` (the export then aborts: a lease that
 * can no longer be renewed will expire under it).
 */
import { leaseProgress } from "./lease";
import type { PropertyCollectorHost } from "./properties";
import type { MoRef } from "./types";

/** A quarter of the lease's timeout, between 250 ms and 60 s: several chances before it expires. */
export function keepAliveInterval(leaseTimeoutSeconds: number): number {
  return Math.max(250, Math.min((leaseTimeoutSeconds * 1000) / 4, 60_000));
}

export class LeaseUpdater {
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private failure?: unknown;
  /** The percent (0..100) the next report sends; set it as bytes arrive. */
  percent = 0;

  constructor(
    private readonly c: PropertyCollectorHost,
    private readonly lease: MoRef,
    private readonly intervalMs: number,
    private readonly onFailure: (err: unknown) => void,
  ) {}

  /** Starts reporting every interval. */
  start(): this {
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
    return this;
  }

  /** The report that failed, if one did. */
  get error(): unknown {
    return this.failure;
  }

  private tick(): void {
    if (this.inFlight || this.failure !== undefined) return;
    this.inFlight = leaseProgress(this.c, this.lease, this.percent)
      .catch((e: unknown) => {
        this.failure = e;
        this.stopTimer();
        this.onFailure(e);
      })
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops reporting and waits for a report in flight, so Complete or Abort comes after it. */
  async stop(): Promise<void> {
    this.stopTimer();
    await this.inFlight;
  }
}
