/** Waiting until a VM's guest can take guest operations: powered on, Tools running, operations ready. */
import { retrieveProperties } from "../properties";
import type { VimClient } from "../session";
import type { MoRef } from "../types";
import { GuestUnavailableError } from "./errors";
import { pollUntil } from "./poll";

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

/**
 * Resolves once the VM is powered on with `guestToolsRunning` and `guestOperationsReady`; a VM
 * that is powered off fails at once (nothing would start it), a guest still booting is waited for.
 */
export async function waitForGuestOperations(vim: VimClient, vm: MoRef, vmName: string, deadline: number, signal?: AbortSignal): Promise<void> {
  let last: GuestReadiness | undefined;
  await pollUntil(
    async () => {
      last = await guestReadiness(vim, vm);
      if (last.powerState !== "poweredOn") {
        throw new GuestUnavailableError("InvalidPowerState", `VM ${vmName} is ${last.powerState || "in an unknown power state"}: guest operations need it powered on`);
      }
      return last.toolsRunningStatus === "guestToolsRunning" && last.guestOperationsReady ? true : undefined;
    },
    { deadline, firstMs: 200, maxMs: 2000, signal },
    () =>
      new GuestUnavailableError(
        "GuestOperationsUnavailable",
        `VM ${vmName}: VMware Tools were not ready for guest operations before the deadline (toolsRunningStatus ${last?.toolsRunningStatus || "unknown"}, ` +
          `guestOperationsReady ${String(last?.guestOperationsReady ?? false)}): install or start VMware Tools in the guest, or raise OsMachine.operationTimeout`,
      ),
  );
}
