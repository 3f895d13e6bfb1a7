/**
 * Errors of the ELM client. Messages say what failed, where, and what to do; they never carry a
 * password or session token (requests are never quoted, and transport texts are redacted).
 */
import type { WorkItemState, WorkTicket } from "./types";
import type { ErrorKind, Peer } from "../errorKinds";

/** Fields of an ELM result-level `Error` (`LocalizedError` or `GlobalizedError`). */
export interface ElmErrorInfo {
  /** `MessageID` when the ELM sends one, else the `CategoryData` type (e.g. `WorkTicketConflictErrorCategory`). */
  id: string;
  /** `CategoryData` `xsi:type`, when present. */
  category?: string;
  title: string;
  message: string;
  details: string;
}

/** The ELM answered HTTP 200 with an `Error` in the result: the request was understood and refused. */
export class ElmError extends Error {
  readonly id: string;
  readonly category?: string;
  readonly title: string;
  readonly details: string;
  /** What kind of failure (errorKinds.ts); undefined when the ELM's error says nothing we can act on. */
  readonly kind?: ErrorKind;
  readonly peer: Peer = "elm";

  constructor(
    readonly operation: string,
    readonly url: string,
    /** The fields as the ELM sent them. */
    readonly info: ElmErrorInfo,
    hint?: string,
    kind?: ErrorKind,
  ) {
    const text = info.message || info.title || info.id;
    super(`ELM ${operation} at ${url} failed: ${text}${info.details ? ` (${info.details})` : ""}${hint ? `; ${hint}` : ""}`);
    this.name = "ElmError";
    this.id = info.id;
    this.category = info.category;
    this.title = info.title;
    this.details = info.details;
    this.kind = kind ?? (this.isSessionError() ? "auth" : this.isNotFound() ? "notFound" : this.isConflict() || this.isDuplicate() ? "conflict" : undefined);
  }

  /** The session token is unknown, expired or missing: log in again. */
  isSessionError(): boolean {
    return (
      /InvalidSession|SessionTimeout|SessionDisconnected|NotAuthenticated|NoHeader|^Session$/.test(this.id) ||
      /InvalidSessionCategory/.test(this.category ?? "") ||
      /session (is )?(invalid|expired|has expired|timed out)|not authenticated/i.test(`${this.title} ${this.info.message}`)
    );
  }

  /** Another operation is already running on the layer (`WorkTicketId` 0): adopt it, don't retry. */
  isConflict(): boolean {
    return /WorkTicketConflict|LayerWorkTicketConflict|ConflictingJob/.test(`${this.id} ${this.category ?? ""}`);
  }

  /** The addressed layer, revision, ticket or other item does not exist. */
  isNotFound(): boolean {
    return /NotFound/.test(`${this.id} ${this.category ?? ""}`);
  }

  /** A name is already taken. */
  isDuplicate(): boolean {
    return /Duplicate/.test(`${this.id} ${this.category ?? ""}`);
  }
}

/** Login refused (bad credentials, locked out). Never names the password. */
export class ElmLoginError extends ElmError {
  constructor(url: string, user: string, info: ElmErrorInfo) {
    super("Login", url, info, `check the ELM user '${user}' and its password`, "auth");
    this.name = "ElmLoginError";
  }
}

/** The call did not produce an ELM answer: network failure, TLS failure, HTTP error, SOAP fault, bad XML. */
export class ElmTransportError extends Error {
  constructor(
    readonly operation: string,
    readonly url: string,
    message: string,
    /** HTTP status when the server answered (500 for a fault), else undefined. */
    readonly httpStatus?: number,
    /** SOAP `faultcode` when the reply was a Fault. */
    readonly faultCode?: string,
    /** Node error code (ECONNREFUSED, ETIMEDOUT, DEPTH_ZERO_SELF_SIGNED_CERT, …) when known. */
    readonly code?: string,
  ) {
    super(message);
    this.name = "ElmTransportError";
  }
}

/** A work ticket ended in `Failed`, `DoneWithErrors` or `Canceled`. */
export class WorkTicketFailedError extends Error {
  readonly state: WorkItemState;
  /** Status texts of the ticket and its work items that explain the outcome. */
  readonly statuses: string[];

  constructor(
    readonly ticket: WorkTicket,
    readonly url: string,
  ) {
    const statuses = failureStatuses(ticket);
    super(
      `ELM task ${ticket.id} (${describeTicket(ticket)}) at ${url} ended ${ticket.state}` +
        (statuses.length ? `: ${statuses.join("; ")}` : "") +
        `; see the ELM's Tasks page for details, fix the cause and run again`,
    );
    this.name = "WorkTicketFailedError";
    this.state = ticket.state;
    this.statuses = statuses;
  }
}

/**
 * Waiting for a work ticket was aborted, or the ticket is in neither task list; the ticket itself
 * may still run. (A passed deadline is a DeadlineError, as for every wait.)
 */
export class WorkTicketWaitError extends Error {
  constructor(
    readonly ticketId: number,
    readonly reason: "aborted" | "vanished",
    readonly lastTicket: WorkTicket | undefined,
    message: string,
  ) {
    super(message);
    this.name = "WorkTicketWaitError";
  }
}

export function describeTicket(t: WorkTicket): string {
  const args = t.resourceArgs.filter((a) => a !== "").join(" / ");
  return [t.titleResourceId || "task", args].filter(Boolean).join(" ");
}

function failureStatuses(t: WorkTicket): string[] {
  const out: string[] = [];
  for (const wi of t.workItems) if (wi.status && wi.state !== "Complete") out.push(wi.status);
  if (out.length === 0 && t.status) out.push(t.status);
  return [...new Set(out)];
}
