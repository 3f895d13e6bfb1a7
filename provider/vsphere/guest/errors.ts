/**
 * Guest operation failures as errors that say what to fix. The guest password is a secret of
 * its own (not the vCenter session's), so every message passing through here is redacted of it.
 */
import { redact } from "../../soap";
import { VimFault } from "../faults";

/** The settings a guest login failure points at (provider/config.ts KEYS.guestUser / guestPassword). */
export const GUEST_SETTINGS = "applayering:guestUser / applayering:guestPassword (APPLAYERING_GUEST_USER / APPLAYERING_GUEST_PASSWORD)";

export class GuestOperationError extends Error {
  /** The vim fault type (`InvalidGuestLogin`, `GuestPermissionDenied`, `GuestOperationsUnavailable`, …) or "" for a transfer. */
  readonly faultType: string;
  constructor(faultType: string, message: string) {
    super(message);
    this.name = "GuestOperationError";
    this.faultType = faultType;
  }
}

/** The guest account was refused: wrong user or password. */
export class GuestLoginError extends GuestOperationError {}
/** The guest account lacks the right to the file or program. */
export class GuestPermissionError extends GuestOperationError {}
/** Tools did not become ready (or guest operations stayed unavailable) before the deadline. */
export class GuestUnavailableError extends GuestOperationError {}

export function faultTypeOf(err: unknown): string | undefined {
  return err instanceof VimFault || err instanceof GuestOperationError ? err.faultType : undefined;
}

/** Faults that clear by themselves: Tools restarting, the guest rebooting. */
export function isTransientGuestFault(err: unknown): boolean {
  const t = faultTypeOf(err);
  return t === "GuestOperationsUnavailable" || t === "ToolsUnavailable";
}

/**
 * The error to throw for a failed guest call: login and permission faults name the settings;
 * anything else keeps its type, with the secret removed from its message.
 */
export function guestError(err: unknown, what: string, vmName: string, secrets: ReadonlyArray<string>): unknown {
  const t = faultTypeOf(err);
  const msg = err instanceof Error ? redact(err.message, secrets) : redact(String(err), secrets);
  if (t === "InvalidGuestLogin") {
    return new GuestLoginError(t, `${what} in VM ${vmName}: Windows refused the guest account (InvalidGuestLogin): set the guest account of the OS machine in ${GUEST_SETTINGS}`);
  }
  if (t === "GuestPermissionDenied") {
    return new GuestPermissionError(
      t,
      `${what} in VM ${vmName}: the guest account may not do this (GuestPermissionDenied): give ${GUEST_SETTINGS} a local administrator account of the guest`,
    );
  }
  if (err instanceof GuestOperationError) return err;
  if (t) return new GuestOperationError(t, msg);
  if (err instanceof Error && msg !== err.message) return new Error(msg);
  return err;
}
