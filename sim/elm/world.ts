/** The simulated appliance's state: layers, revisions, connectors, shares, icons, tickets, machines, audit. */
import { randomUUID } from "node:crypto";
import { SimClock } from "./clock";
import { TicketEngine, Step } from "./engine";
import { conflict, notFound } from "./errors";
import { AuditRecord, PackagingMachine, SimAppliance, SimConnector, SimFileShare, SimImageTemplate, SimLayer, SimRevision, SimTicket, TERMINAL } from "./model";

export type FinalizeMode = "manual" | "onShutdown";
export type InjectedOutcome = "Failed" | "DoneWithErrors" | "Canceled";

export class ElmWorld {
  readonly clock: SimClock;
  readonly engine: TicketEngine;
  readonly layers = new Map<number, SimLayer>();
  readonly tickets = new Map<number, SimTicket>();
  /** Packaging machines by revision id. */
  readonly machines = new Map<number, PackagingMachine>();
  readonly audit: AuditRecord[] = [];
  /** Image templates by id; each revision's imagesUsing lists the templates built from it. */
  readonly templates = new Map<number, SimImageTemplate>();
  appliance: SimAppliance = { id: 32768, name: "ELM", uniqueId: randomUUID(), softwareVersion: "24.9.0.1", hostName: "elm" };
  connectors: SimConnector[] = [];
  shares: SimFileShare[] = [];
  icons: number[] = [];
  finalizeMode: FinalizeMode = "manual";
  hangInActionRequired = false;
  /** Outcome forced on the next ticket created (then cleared). */
  failNextTicket: InjectedOutcome | undefined;
  /** Told when a packaging machine is created or removed (e.g. to mirror it in vcsim). */
  onMachine: ((event: "created" | "removed", m: PackagingMachine) => void) | undefined;
  private nextId = 753664;
  private machineCount = 0;

  constructor(speed: number) {
    this.clock = new SimClock(speed);
    this.engine = new TicketEngine(this.clock);
  }

  /** A new int64 id; entities are multiples of 32768 like on real ELMs (clients must not rely on it). */
  alloc(): number {
    this.nextId += 32768;
    return this.nextId;
  }

  guid(): string {
    return randomUUID();
  }

  now(): Date {
    return new Date(this.clock.now());
  }

  layer(id: number): SimLayer {
    const l = this.layers.get(id);
    if (!l) throw notFound("OS layer", id);
    return l;
  }

  layerByName(name: string): SimLayer | undefined {
    const lower = name.toLowerCase();
    return [...this.layers.values()].find((l) => l.name.toLowerCase() === lower);
  }

  revision(id: number): { layer: SimLayer; rev: SimRevision } {
    for (const layer of this.layers.values()) {
      const rev = layer.revisions.find((r) => r.id === id);
      if (rev) return { layer, rev };
    }
    throw notFound("layer revision", id);
  }

  share(id: number): SimFileShare {
    const s = this.shares.find((x) => x.id === id);
    if (!s) throw notFound("file share", id);
    return s;
  }

  connector(id: string): SimConnector {
    const c = this.connectors.find((x) => x.id === id);
    if (!c) throw notFound("platform connector configuration", id);
    return c;
  }

  activeTicketFor(layerId: number): SimTicket | undefined {
    return [...this.tickets.values()].find((t) => t.layerId === layerId && !TERMINAL.has(t.state));
  }

  /** One operation per layer at a time (`WorkTicketConflictErrorCategory`, WorkTicketId 0). */
  assertIdle(layer: SimLayer): void {
    if (this.activeTicketFor(layer.id)) throw conflict(layer.name);
  }

  addAudit(layer: SimLayer, userName: string, comment: string, description: string): void {
    this.audit.push({ id: this.alloc(), entityType: "OsLayer", entityId: layer.id, userName, comment, description, date: this.now() });
  }

  /** Creates a ticket (its one work item tracks the revision) and starts its steps. */
  startTicket(
    kind: SimTicket["kind"],
    layer: SimLayer,
    rev: SimRevision,
    userName: string,
    steps: (ticket: SimTicket) => Step[],
    revisionIds: number[] = [rev.id],
  ): SimTicket {
    const id = this.alloc();
    const now = this.now();
    const ticket: SimTicket = {
      id,
      kind,
      titleResourceId: `${kind}WorkTicketDescription`,
      resourceArgs: [layer.name, rev.versionName],
      layerId: layer.id,
      revisionIds,
      userName,
      state: "Pending",
      status: "",
      workItem: { id: id + 1, itemId: rev.id, itemType: "OsLayerRevision", itemName: `${layer.name} ${rev.versionName}`, state: "Pending", status: "" },
      dateCreated: now,
      dateLastModified: now,
    };
    this.tickets.set(id, ticket);
    this.engine.start(ticket, steps(ticket));
    return ticket;
  }

  /** Takes the injected outcome for the ticket being created, if any. */
  takeInjectedOutcome(): InjectedOutcome | undefined {
    const o = this.failNextTicket;
    this.failNextTicket = undefined;
    return o;
  }

  /** Name in the form PS's regex expects: `<base>-YYYY-MM-DD_HH-MM-SS.mmm`. */
  newMachine(layer: SimLayer, rev: SimRevision, ticketId: number, baseName: string): PackagingMachine {
    const stamp = this.now().toISOString().replace("T", "_").replace(/:/g, "-").replace("Z", "");
    const m: PackagingMachine = {
      name: `${baseName}-${stamp}`,
      layerId: layer.id,
      revisionId: rev.id,
      ticketId,
      ipAddress: `10.20.30.${40 + (this.machineCount++ % 200)}`,
      powerState: "poweredOn",
    };
    this.machines.set(rev.id, m);
    this.onMachine?.("created", { ...m });
    return m;
  }

  /** The ELM deletes the packaging machine of a version once it is done with it. */
  removeMachine(revId: number): void {
    const m = this.machines.get(revId);
    if (!m) return;
    this.machines.delete(revId);
    this.onMachine?.("removed", { ...m });
  }

  /** Points a template at an OS layer revision, keeping both revisions' imagesUsing in step. */
  assignTemplate(t: SimImageTemplate, revisionId: number): void {
    const from = this.templates.has(t.id) ? this.revision(t.osRevisionId).rev : undefined;
    const to = this.revision(revisionId).rev;
    if (from) from.imagesUsing = from.imagesUsing.filter((i) => i.id !== t.id);
    to.imagesUsing = [...to.imagesUsing.filter((i) => i.id !== t.id), { id: t.id, name: t.name }];
    t.osRevisionId = revisionId;
    this.templates.set(t.id, t);
  }

  removeRevision(layer: SimLayer, revId: number): void {
    layer.revisions = layer.revisions.filter((r) => r.id !== revId);
    this.removeMachine(revId);
    if (layer.revisions.length === 0) this.layers.delete(layer.id);
  }
}
