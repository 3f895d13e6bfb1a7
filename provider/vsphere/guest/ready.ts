/** Waiting until a VM's guest can take guest operations: powered on, Tools running, operations ready. */
import { DeadlineError, WaitForOptions, waitFor } from "../../wait";
import { retrieveProperties } from "../properties";
import type { VimClient } from "../session";
import type { MoRef } from "../types";
import { GuestUnavailableError } from "./errors";

export interface GuestReadiness {
  powerState: string;
  toolsRunningStatus: string;
  guestOperationsReady: boolean;
}

export async function guestReadiness(vim: VimClient, vm: MoRef): Promise<GuestReadiness> {
  const oc = await retrieveProperties(vim, vm, ["runtime.powerState", "guest.toolsRunningStatus", "guest.guestOperationsReady"]);
  return {
    powerState: String(oc.props["runtime.powerState"] ?? ""),
    toolsRunningStatus: String(oc.props["guest.toolsRunningStatus"] ?? ""),
    guestOperationsReady: oc.props["guest.guestOperationsReady"] === true || oc.props["guest.guestOperationsReady"] === "true",
  };
}

export const isGuestReady = (r: GuestReadiness): boolean => r.powerState === "poweredOn" && r.toolsRunningStatus === "guestToolsRunning" && r.guestOperationsReady;

export const describeReadiness = (r: GuestReadiness): string =>
  `${r.powerState || "power state unknown"}, toolsRunningStatus ${r.toolsRunningStatus || "unknown"}, guestOperationsReady ${String(r.guestOperationsReady)}`;

/** What is awaited and until when (waitFor's fields), plus a check of each readiness seen (throwing ends the wait). */
export type GuestWatch = Pick<WaitForOptions<GuestReadiness>, "awaited" | "deadline" | "resumable" | "fix" | "signal" | "backoff"> & {
  check?: (r: GuestReadiness) => void;
};

/** Polls the VM's readiness (the shared wait: backoff, DeadlineError) until `until` holds. */
export function watchGuest(vim: VimClient, vm: MoRef, until: (r: GuestReadiness) => boolean, w: GuestWatch): Promise<GuestReadiness> {
  return waitFor<GuestReadiness, GuestReadiness>(
    async () => {
      const r = await guestReadiness(vim, vm);
      try {
        w.check?.(r);
      } catch (error) {
        return { done: true, error, state: r };
      }
      return until(r) ? { done: true, value: r, state: r } : { done: false, state: r };
    },
    // 200 ms growing to 2 s unless told; a short-lived state (a restart's down time) wants a steady pace.
    { awaited: w.awaited, deadline: w.deadline, resumable: w.resumable, fix: w.fix, signal: w.signal, backoff: w.backoff ?? { initialMs: 200, maxMs: 2000, factor: 2 }, describe: describeReadiness },
  );
}

/**
 * Resolves once the VM is powered on with `guestToolsRunning` and `guestOperationsReady`; a VM
 * that is powered off fails at once (nothing would start it), a guest still booting is waited for.
 */
export async function waitForGuestOperations(vim: VimClient, vm: MoRef, vmName: string, deadline: number, signal?: AbortSignal): Promise<void> {
  const poweredOn = (r: GuestReadiness) => {
    if (r.powerState !== "poweredOn") {
      throw new GuestUnavailableError("InvalidPowerState", `VM ${vmName} is ${r.powerState || "in an unknown power state"}: guest operations need it powered on`);
    }
  };
  try {
    await watchGuest(vim, vm, isGuestReady, { awaited: `VMware Tools in VM ${vmName}`, deadline, resumable: false, signal, check: poweredOn });
  } catch (err) {
    if (!(err instanceof DeadlineError)) throw err;
    const last = err.last as GuestReadiness | undefined;
    throw new GuestUnavailableError(
      "GuestOperationsUnavailable",
      `VM ${vmName}: VMware Tools were not ready for guest operations before the deadline (toolsRunningStatus ${last?.toolsRunningStatus || "unknown"}, ` +
        `guestOperationsReady ${String(last?.guestOperationsReady ?? false)}): install or start VMware Tools in the guest, or raise OsMachine.operationTimeout`,
    );
  }
}
