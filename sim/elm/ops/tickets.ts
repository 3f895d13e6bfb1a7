/** QueryWorkTicketsAsPendingOp, QueryWorkTickets, QueryActivity, CancelWorkTickets. */
import { XmlElement, el, fields } from "../../../provider/soap";
import { cancelTickets } from "../flows";
import { SimTicket, TERMINAL } from "../model";
import { DOTNET_MIN_DATE, iso, workTicket } from "../reply";
import { field, longs, polyType } from "../request";
import { ElmWorld } from "../world";
import { OpDef } from "./types";

/** Tickets selected by `Filter xsi:type=…` (active when absent). Completed: the newest 200. */
function select(world: ElmWorld, filter: XmlElement | undefined): SimTicket[] {
  const all = [...world.tickets.values()];
  const type = polyType(filter);
  if (type === "WorkTicketsQueryByCompletedFilter") {
    return all.filter((t) => TERMINAL.has(t.state)).sort((a, b) => (b.dateCompleted?.getTime() ?? 0) - (a.dateCompleted?.getTime() ?? 0)).slice(0, 200);
  }
  if (type === "WorkTicketsQueryByIdFilter") {
    const ids = new Set(longs(filter, "WorkTicketIds"));
    return all.filter((t) => ids.has(t.id));
  }
  return all.filter((t) => !TERMINAL.has(t.state));
}

function ticketsResult(world: ElmWorld, list: SimTicket[]) {
  return [
    fields([["CurrentMaSystemTime", iso(world.now())]]),
    el("WorkTickets", list.map((t) => workTicket(t, world.machines.get(t.workItem.itemId)))),
  ];
}

export const ticketOps: Record<string, OpDef> = {
  QueryWorkTicketsAsPendingOp: {
    wrapper: "query",
    errorFields: fields([["Id", 0], ["Running", false]]),
    handle({ world }, q) {
      const list = select(world, field(q, "Filter"));
      return [fields([["Id", 0], ["Running", false]]), el("OperationResult", ticketsResult(world, list))];
    },
  },

  QueryWorkTickets: {
    wrapper: "query",
    errorFields: fields([["CurrentMaSystemTime", DOTNET_MIN_DATE]]),
    handle({ world }, q) {
      return ticketsResult(world, select(world, field(q, "Filter")));
    },
  },

  QueryActivity: {
    wrapper: "query",
    errorFields: fields([["NextCallContext", DOTNET_MIN_DATE]]),
    handle({ world }) {
      const active = select(world, undefined);
      return [
        fields([["NextCallContext", iso(world.now())]]),
        el("Events", el("WorkTicketUpdatedEvent", el("Result", ticketsResult(world, active)))),
      ];
    },
  },

  CancelWorkTickets: {
    wrapper: "command",
    handle({ world }, c) {
      cancelTickets(world, longs(c, "WorkTicketIds"));
      return "";
    },
  },
};
