/**
 * Guest operation failures as errors that say what to fix. The guest password is a secret of
 * its own (not the vCenter session's), so every message passing through here is redacted of it.
 */
import { tag } from "../../errorKinds";
import { redact } from "../../soap";
import { VimFault } from "../faults";

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
 * The error to throw for a failed guest call: login and permission faults are tagged for the
 * guest peer (errorHints.ts names the settings); anything else keeps its type, with the secret
 * removed from its message.
 */
export function guestError(err: unknown, what: string, vmName: string, secrets: ReadonlyArray<string>): unknown {
  const t = faultTypeOf(err);
  const msg = err instanceof Error ? redact(err.message, secrets) : redact(String(err), secrets);
  if (t === "InvalidGuestLogin") {
    return tag(new GuestLoginError(t, `${what} in VM ${vmName}: Windows refused the guest account (InvalidGuestLogin)`), "auth", "guest");
  }
  if (t === "GuestPermissionDenied") {
    return tag(new GuestPermissionError(t, `${what} in VM ${vmName}: the guest account may not do this (GuestPermissionDenied)`), "permission", "guest");
  }
  if (err instanceof GuestOperationError) return err;
  if (t) return new GuestOperationError(t, msg);
  if (err instanceof Error && msg !== err.message) return new Error(msg);
  return err;
}
