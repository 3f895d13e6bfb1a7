/**
 * Work tickets (ELM tasks): queries, re-discovery for a layer, cancellation, and the waiter that
 * polls the active list and, once the ticket has left it, the completed list.
 */
import { el, fields } from "../soap";
import { WorkTicketFailedError, WorkTicketWaitError, describeTicket } from "./errors";
import { readWorkTicket } from "./read";
import type { ElmSession } from "./session";
import { sleep } from "../soap";
import { TransientBudget, pollDeadline } from "./transient";
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

export interface WaitTicketOptions {
  /** Absolute deadline in ms since the epoch; or give timeoutMs. Default: 30 minutes from now. */
  deadline?: number;
  timeoutMs?: number;
  /** Stops waiting (the ticket keeps running; cancel it separately if wanted). */
  signal?: AbortSignal;
  /** Called on the first poll and on every change of state or status of the ticket or its items. */
  onChange?: (ticket: WorkTicket) => void;
  /** Non-terminal states that also end the wait, e.g. ["ActionRequired"] after CreateOsLayerRevision. */
  until?: WorkItemState[];
  /** First poll interval (default 1000 ms); it grows by half each poll up to maxPollIntervalMs. */
  pollIntervalMs?: number;
  /** Longest poll interval (default 5000 ms): at most one request per this period per ticket. */
  maxPollIntervalMs?: number;
}

/**
 * Waits until the ticket is Complete (resolves), reaches a state in `until` (resolves), or ends
 * Failed / DoneWithErrors / Canceled (throws WorkTicketFailedError with the work items' status
 * texts). Throws WorkTicketWaitError on deadline, abort, or when the ticket is in neither list.
 */
export async function waitForWorkTicket(session: ElmSession, ticketId: ElmId, opts: WaitTicketOptions = {}): Promise<WorkTicket> {
  const deadline = opts.deadline ?? Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  const maxInterval = opts.maxPollIntervalMs ?? 5000;
  let interval = Math.min(opts.pollIntervalMs ?? 1000, maxInterval);
  let last: WorkTicket | undefined;
  let lastKey = "";
  let misses = 0;
  const transient = new TransientBudget();
  for (;;) {
    if (opts.signal?.aborted) throw waitError(session, ticketId, "aborted", last);
    let polled = false;
    let ticket: WorkTicket | undefined;
    try {
      ticket = await findTicket(session, ticketId, pollDeadline(deadline)); // the deadline holds during a poll too
      polled = true;
      transient.ok();
    } catch (err) {
      transient.absorb(err); // a failed poll (HTTP 500, bad reply) says nothing about the task
    }
    if (!polled) {
      // poll again after the interval
    } else if (ticket) {
      misses = 0;
      last = ticket;
      const key = changeKey(ticket);
      if (key !== lastKey) {
        lastKey = key;
        opts.onChange?.(ticket);
      }
      if (ticket.state === "Complete") return ticket;
      if (TERMINAL_STATES.has(ticket.state)) throw new WorkTicketFailedError(ticket, session.url);
      if (opts.until?.includes(ticket.state)) return ticket;
    } else if (++misses >= 3) {
      throw waitError(session, ticketId, "vanished", last);
    }
    const left = deadline - Date.now();
    if (left <= 0) throw waitError(session, ticketId, "deadline", last);
    await sleep(Math.min(interval, left), opts.signal);
    interval = Math.min(maxInterval, Math.ceil(interval * 1.5));
  }
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

function waitError(session: ElmSession, id: ElmId, reason: "deadline" | "aborted" | "vanished", last: WorkTicket | undefined): WorkTicketWaitError {
  const what = last ? `${describeTicket(last)}, last ${last.state}${last.status ? ` (${last.status})` : ""}` : "never seen";
  const msg =
    reason === "deadline"
      ? `timed out waiting for ELM task ${id} at ${session.url} (${what}); the task may still be running: raise the timeout or look at the ELM's Tasks page`
      : reason === "aborted"
        ? `stopped waiting for ELM task ${id} at ${session.url} (${what}); the task may still be running`
        : `ELM task ${id} at ${session.url} is in neither the active nor the completed task list (${what}); look at the ELM's Tasks page`;
  return new WorkTicketWaitError(id, reason, last, msg);
}
