/**
 * The NFC lease keep-alive, as govmomi's nfc/lease_updater.go: while disks stream, report progress
 * (HttpNfcLeaseProgress) every interval, which also renews the lease; vSphere expires a lease that
 * hears nothing for leaseTimeout seconds. At most two reports in flight: a slow reply does not delay
 * the next renewal (a short lease on a loaded vCenter would expire), nor do they pile up;
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

/** Reports in flight at once. */
export const MAX_IN_FLIGHT = 2;

export class LeaseUpdater {
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
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
    if (this.inFlight.size >= MAX_IN_FLIGHT || this.failure !== undefined) return;
    const report: Promise<void> = leaseProgress(this.c, this.lease, this.percent)
      .catch((e: unknown) => {
        if (this.failure !== undefined || !this.timer) return; // already failed, or stopped on purpose
        this.failure = e;
        this.stopTimer();
        this.onFailure(e);
      })
      .finally(() => this.inFlight.delete(report));
    this.inFlight.add(report);
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops reporting and waits for the reports in flight, so Complete or Abort comes after them. */
  async stop(): Promise<void> {
    this.stopTimer();
    await Promise.all([...this.inFlight]);
  }
}
