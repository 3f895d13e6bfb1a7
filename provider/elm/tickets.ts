/**
 * Work tickets (ELM tasks): queries, re-discovery for a layer, cancellation, and the waiter that
 * polls the active list and, once the ticket has left it, the completed list (provider/wait).
 */
import { el, fields } from "../soap";
import { WorkTicketFailedError, WorkTicketWaitError, describeTicket } from "./errors";
import { readWorkTicket } from "./read";
import type { ElmSession } from "./session";
import { waitFor } from "../wait";
import { elmPollPolicy, type ElmPollOptions } from "./polling";
import { TRANSIENT_POLL_FAILURES, isTransient, pollDeadline } from "./transient";
import { ElmId, TERMINAL_STATES, WorkItemState, WorkTicket } from "./types";
import { longList } from "./wire";

export type TicketFilter = "active" | "completed" | { ids: ElmId[] };

/** `QueryWorkTicketsAsPendingOp` with the active, completed or by-id filter. */
export async function queryWorkTickets(session: ElmSession, filter: TicketFilter, deadline?: number): Promise<WorkTicket[]> {
  const filterEl =
    filter === "active"
      ? el("Filter", null, { "xsi:type": "WorkTicketsQueryByActiveFilter" })
      : filter === "completed"
        ? el("Filter", null, { "xsi:type": "WorkTicketsQueryByCompletedFilter" })
        : el("Filter", longList("WorkTicketIds", filter.ids), { "xsi:type": "WorkTicketsQueryByIdFilter" });
  const result = await session.call("QueryWorkTicketsAsPendingOp", "query", filterEl, { nestedResults: ["OperationResult"], deadline });
  const list = result.children.find((c) => c.name === "OperationResult")?.children.find((c) => c.name === "WorkTickets");
  return (list?.children ?? []).filter((c) => c.name === "WorkTicketResult").map(readWorkTicket);
}

/** Title resource id of the ticket CreateOsLayerRevision starts. */
export const CREATE_OS_REVISION_TITLE = "CreateOsLayerRevisionWorkTicketDescription";

/**
 * Active tickets whose first resource argument is exactly this layer name (how Packer re-attaches);
 * optionally narrowed to one `TitleResourceId`. Use it to adopt an operation after a crash.
 */
export async function findActiveTicketsForLayer(session: ElmSession, layerName: string, titleResourceId?: string): Promise<WorkTicket[]> {
  const active = await queryWorkTickets(session, "active");
  return active.filter((t) => t.resourceArgs[0] === layerName && (titleResourceId === undefined || t.titleResourceId === titleResourceId));
}

/** `CancelWorkTickets`: asks the ELM to cancel; the tickets then go Canceling → Canceled. */
export async function cancelWorkTickets(session: ElmSession, ids: ElmId[], force = false): Promise<void> {
  await session.call("CancelWorkTickets", "command", [longList("WorkTicketIds", ids), fields([["Force", force]])]);
}

export interface WaitTicketOptions extends ElmPollOptions {
  /** Absolute deadline in ms since the epoch; or give timeoutMs. Default: 30 minutes from now. */
  deadline?: number;
  timeoutMs?: number;
  /** Stops waiting (the ticket keeps running; cancel it separately if wanted). */
  signal?: AbortSignal;
  /** Called on the first poll and on every change of state or status of the ticket or its items. */
  onChange?: (ticket: WorkTicket) => void;
  /** Non-terminal states that also end the wait, e.g. ["ActionRequired"] after CreateOsLayerRevision. */
  until?: WorkItemState[];
}

/**
 * Waits until the ticket is Complete (resolves), reaches a state in `until` (resolves), or ends
 * Failed / DoneWithErrors / Canceled (throws WorkTicketFailedError with the work items' status
 * texts). Throws DeadlineError when the deadline passes (the ticket runs on: a rerun resumes it),
 * WorkTicketWaitError when aborted or when the ticket is in neither list. Polls as elmPollPolicy says.
 */
export async function waitForWorkTicket(session: ElmSession, ticketId: ElmId, opts: WaitTicketOptions = {}): Promise<WorkTicket> {
  const deadline = opts.deadline ?? Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  let misses = 0;
  return waitFor<WorkTicket, WorkTicket>(
    async ({ deadline }) => {
      const ticket = await findTicket(session, ticketId, pollDeadline(deadline)); // the deadline holds during a poll too
      if (!ticket) {
        if (++misses >= 3) throw waitError(session, ticketId, "vanished", undefined);
        return { done: false };
      }
      misses = 0;
      if (ticket.state === "Complete" || opts.until?.includes(ticket.state)) return { done: true, value: ticket, state: ticket };
      if (TERMINAL_STATES.has(ticket.state)) return { done: true, error: new WorkTicketFailedError(ticket, session.url), state: ticket };
      return { done: false, state: ticket };
    },
    {
      ...elmPollPolicy(opts),
      awaited: `ELM task ${ticketId} at ${session.url}`,
      deadline,
      resumable: true,
      fix: "raise the timeout, or look at the ELM's Tasks page",
      signal: opts.signal,
      transient: isTransient, // a failed poll (HTTP 500, bad reply) says nothing about the task
      maxTransient: TRANSIENT_POLL_FAILURES,
      changeKey,
      onChange: opts.onChange, // the final state too, before the wait returns or throws
      describe: (t) => `${describeTicket(t)}, last ${t.state}${t.status ? ` (${t.status})` : ""}`,
      aborted: (last) => waitError(session, ticketId, "aborted", last),
    },
  );
}

/** The ticket from the active list, else from the completed list, else undefined. */
export async function findTicket(session: ElmSession, ticketId: ElmId, deadline?: number): Promise<WorkTicket | undefined> {
  const active = (await queryWorkTickets(session, "active", deadline)).find((t) => t.id === ticketId);
  if (active) return active;
  return (await queryWorkTickets(session, "completed", deadline)).find((t) => t.id === ticketId);
}

function changeKey(t: WorkTicket): string {
  return JSON.stringify([t.state, t.status, t.workItems.map((w) => [w.state, w.status])]);
}

function waitError(session: ElmSession, id: ElmId, reason: "aborted" | "vanished", last: WorkTicket | undefined): WorkTicketWaitError {
  const what = last ? `${describeTicket(last)}, last ${last.state}${last.status ? ` (${last.status})` : ""}` : "never seen";
  const msg =
    reason === "aborted"
      ? `stopped waiting for ELM task ${id} at ${session.url} (${what}); the task may still be running`
      : `ELM task ${id} at ${session.url} is in neither the active nor the completed task list (${what}); look at the ELM's Tasks page`;
  return new WorkTicketWaitError(id, reason, last, msg);
}
