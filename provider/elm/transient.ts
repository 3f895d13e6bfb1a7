/**
 * Faults a long wait rides out: one poll answered with HTTP 5xx, a reply that is not SOAP, a
 * timeout or a dropped connection says nothing about the task, which keeps running in the ELM.
 * A wait (provider/wait) gives up only when more than TRANSIENT_POLL_FAILURES polls in a row fail.
 */
import { ElmTransportError } from "./errors";

/** Consecutive failed polls a wait tolerates before it throws the last error. */
export const TRANSIENT_POLL_FAILURES = 3;

export function isTransient(err: unknown): boolean {
  if (!(err instanceof ElmTransportError)) return false;
  if (err.httpStatus !== undefined) return err.httpStatus >= 500;
  return /^(EBADREPLY|ETIMEDOUT|ECONNRESET|ECONNREFUSED|EPIPE|ECONNABORTED|EAI_AGAIN)$/.test(err.code ?? "");
}

/**
 * The deadline a poll's request runs under: the wait's own, except that the poll a wait makes at its
 * deadline still gets a few seconds, so the wait ends reporting the last state it saw (not a transport error).
 */
export const FINAL_POLL_MS = 5000;
export function pollDeadline(deadline: number): number {
  return Math.max(deadline, Date.now() + FINAL_POLL_MS);
}
