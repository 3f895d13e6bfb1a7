/**
 * Moves work tickets through their steps on the virtual clock. A step either lasts a number of
 * simulated seconds or waits (ActionRequired) until something outside replaces the remaining steps.
 */
import { SimClock } from "./clock";
import { SimTicket, TERMINAL, TicketState } from "./model";

export interface Step {
  state: TicketState;
  status: string;
  /** Simulated seconds; absent = wait for an outside event (`resume`). */
  seconds?: number;
  /** Show `(NN%)` after the status while the step runs. */
  progress?: boolean;
  /** Effects on entering the step (state changes of layers, revisions, machines). */
  onEnter?: () => void;
}

interface Run {
  ticket: SimTicket;
  steps: Step[];
  index: number;
  startedAt: number;
}

export class TicketEngine {
  private readonly runs = new Map<number, Run>();

  constructor(private readonly clock: SimClock) {}

  /** Starts a ticket on its first step. */
  start(ticket: SimTicket, steps: Step[]): void {
    const run: Run = { ticket, steps, index: 0, startedAt: this.clock.now() };
    this.runs.set(ticket.id, run);
    this.enter(run);
    this.advance();
  }

  /** Replaces the remaining steps of a running ticket (shutdown, cancel) and enters the first. */
  resume(ticketId: number, steps: Step[]): void {
    const run = this.runs.get(ticketId);
    if (!run) return;
    run.steps = steps;
    run.index = 0;
    run.startedAt = this.clock.now();
    this.enter(run);
    this.advance();
  }

  /** The step a ticket is in, if it still runs. */
  current(ticketId: number): Step | undefined {
    const run = this.runs.get(ticketId);
    return run ? run.steps[run.index] : undefined;
  }

  /** Applies every step change due by now. */
  advance(): void {
    const now = this.clock.now();
    for (const run of [...this.runs.values()]) {
      for (;;) {
        const step = run.steps[run.index];
        if (!step || TERMINAL.has(step.state)) {
          this.runs.delete(run.ticket.id);
          break;
        }
        if (step.seconds === undefined) break;
        const end = run.startedAt + step.seconds * 1000;
        if (now < end) {
          if (step.progress) this.setStatus(run.ticket, `${step.status} (${Math.floor(((now - run.startedAt) / (end - run.startedAt)) * 10) * 10}%)`);
          break;
        }
        run.index++;
        run.startedAt = end;
        this.enter(run);
      }
    }
  }

  private enter(run: Run): void {
    const step = run.steps[run.index];
    if (!step) return;
    const t = run.ticket;
    t.state = step.state;
    t.workItem.state = step.state;
    this.setStatus(t, step.progress ? `${step.status} (0%)` : step.status);
    if (TERMINAL.has(step.state)) t.dateCompleted = new Date(this.clock.now());
    step.onEnter?.();
  }

  private setStatus(t: SimTicket, status: string): void {
    if (t.workItem.status === status) return;
    t.workItem.status = status;
    t.status = status;
    t.dateLastModified = new Date(this.clock.now());
  }
}
