/**
 * The ELM simulator: a Citrix App Layering appliance's SOAP API on 127.0.0.1 (HTTP or HTTPS)
 * with layers, versions, connectors, shares, icons, tickets on a virtual clock, packaging
 * machines, the audit log, and fault injection for tests.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { makeSelfSignedCert, SelfSignedCert } from "./cert";
import { InjectOptions, TransportFaults } from "./faults";
import { AuditRecord, PackagingMachine, SimAppliance, SimConnector, SimImage, SimImageTemplate, SimLayer, SimRevision, SimTicket } from "./model";
import { ElmRequestHandler } from "./server";
import { AuthMode, SessionStore } from "./sessions";
import { FileShareSeed, makeShare } from "./shares";
import { shutdownMachine } from "./flows";
import { ElmWorld, FinalizeMode } from "./world";

export type { InjectOptions } from "./faults";
export type { FileShareSeed } from "./shares";
export type { AuthMode } from "./sessions";
export type { FinalizeMode } from "./world";
export type { AuditRecord, PackagingMachine, SimAppliance, SimImageTemplate, SimLayer, SimRevision, SimTicket } from "./model";

export interface ConnectorSeed {
  /** Configuration id (default: generated). */
  id?: string;
  name: string;
  /** Connector type name (default `VMware vSphere`). */
  platformName?: string;
  /** Default `["VmdkSparseDiskFormat"]`. */
  validDiskFormats?: string[];
  isOffloadingEnabled?: boolean;
}

export interface ElmSimOptions {
  /** Serve HTTPS with a fresh self-signed certificate (see `caCertPem`). Default false. */
  https?: boolean;
  /** Port on 127.0.0.1 (default: any free port). */
  port?: number;
  /** Default `administrator`. */
  user?: string;
  /** Default `Unidesk1` (the appliance's factory password). */
  password?: string;
  /** Simulated seconds per real second for tickets (default 1; tests use 100–1000). */
  clockSpeed?: number;
  /** `manual`: shutdown → Finalizable, then FinalizeLayerRevision; `onShutdown`: finalize on shutdown. Default manual. */
  finalizeMode?: FinalizeMode;
  connectors?: ConnectorSeed[];
  fileShares?: FileShareSeed[];
  /** Icon ids; 196608 (the default icon) is always there. */
  icons?: number[];
  /** Which credential a call must carry (default `either`). */
  auth?: AuthMode;
  /** Session cookie name (default `ASP.NET_SessionId`). */
  cookieName?: string;
  /** What QueryManagementApplianceDetailsWithParam reports as SoftwareVersion (default `24.9.0.1`). */
  softwareVersion?: string;
  /** The appliance's UniqueId (default: a fresh GUID). */
  applianceUniqueId?: string;
  /** Idle session timeout in ms (default 0: never). */
  sessionIdleMs?: number;
  /**
   * Called when the ELM creates a packaging machine (a version reached ActionRequired) or removes
   * it (finalized, failed, canceled) — where a vSphere-backed connector would act.
   */
  onPackagingMachine?: (event: "created" | "removed", machine: PackagingMachine) => void;
}

export interface SeedLayerOptions {
  name: string;
  description?: string;
  iconId?: number;
  /** Version names, oldest first; all Deployable. */
  versions: string[];
  sizeMiB?: number;
}

export class ElmSim {
  private readonly handler: ElmRequestHandler;
  private readonly timer: NodeJS.Timeout;

  constructor(
    /** Base URL of the API, e.g. `https://127.0.0.1:41234/Unidesk.Web/API.asmx`. */
    readonly url: string,
    readonly user: string,
    readonly password: string,
    private readonly server: http.Server,
    private readonly world: ElmWorld,
    private readonly sessions: SessionStore,
    private readonly faults: TransportFaults,
    handler: ElmRequestHandler,
    private readonly cert: SelfSignedCert | undefined,
  ) {
    this.handler = handler;
    this.timer = setInterval(() => world.engine.advance(), 25);
    this.timer.unref();
  }

  /** PEM of the self-signed certificate (HTTPS only): pass it as the client's CA. */
  get caCertPem(): string | undefined {
    return this.cert?.certPem;
  }

  /** File holding caCertPem (HTTPS only; removed by stop()). */
  get caCertPath(): string | undefined {
    return this.cert?.certPath;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await this.cert?.cleanup();
  }

  setClockSpeed(speed: number): void {
    this.world.clock.setSpeed(speed);
  }

  /** manual: a classic ELM (shut down, then Finalize); onShutdown: offload compositing finalizes on its own. */
  get finalizeMode(): FinalizeMode {
    return this.world.finalizeMode;
  }

  setFinalizeMode(mode: FinalizeMode): void {
    this.world.finalizeMode = mode;
  }

  /** Packaging machines of versions being built (copies). */
  packagingMachines(): PackagingMachine[] {
    this.world.engine.advance();
    return [...this.world.machines.values()].map((m) => ({ ...m }));
  }

  /** "Shutdown For Finalize" in the packaging machine of a version (by machine name or revision id). */
  shutdownPackagingMachine(nameOrRevisionId: string | number): void {
    shutdownMachine(this.world, nameOrRevisionId);
  }

  inject(opts: InjectOptions): void {
    if (opts.failNextTicket) this.world.failNextTicket = opts.failNextTicket;
    if (opts.expireSessions) this.sessions.expireAll();
    if (opts.http500Next !== undefined) this.faults.http500Next = opts.http500Next;
    if (opts.malformedNext !== undefined) this.faults.malformedNext = opts.malformedNext;
    if (opts.deepNext !== undefined) this.faults.deepNext = opts.deepNext;
    if (opts.delayMs !== undefined) this.faults.delayMs = opts.delayMs;
    if (opts.hangInActionRequired !== undefined) this.world.hangInActionRequired = opts.hangInActionRequired;
  }

  /** Snapshot of every layer with its revisions. */
  layers(): SimLayer[] {
    this.world.engine.advance();
    return structuredClone([...this.world.layers.values()]);
  }

  revisions(): SimRevision[] {
    return this.layers().flatMap((l) => l.revisions);
  }

  tickets(): SimTicket[] {
    this.world.engine.advance();
    return structuredClone([...this.world.tickets.values()]);
  }

  auditLog(): AuditRecord[] {
    return structuredClone(this.world.audit);
  }

  connectors(): SimConnector[] {
    return structuredClone(this.world.connectors);
  }

  /** Requests received per operation name (SOAPAction without the namespace). */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.handler.counts);
  }

  resetRequestCounts(): void {
    this.handler.counts.clear();
  }

  /** Number of live sessions. */
  sessionCount(): number {
    return this.sessions.count;
  }

  /** Marks a revision as used by image templates (CanDelete false); [] frees it. */
  setImagesUsing(revisionId: number, images: SimImage[]): void {
    this.world.revision(revisionId).rev.imagesUsing = images;
  }

  /** Creates an image template built from an OS layer revision (as an admin would in the console). Returns its id. */
  addImageTemplate(name: string, revisionId: number): number {
    const t: SimImageTemplate = { id: this.world.alloc(), name, description: "", osRevisionId: revisionId };
    this.world.assignTemplate(t, revisionId);
    return t.id;
  }

  /** Image templates (copies), with the revision each uses. */
  imageTemplates(): SimImageTemplate[] {
    return structuredClone([...this.world.templates.values()]);
  }

  /** The appliance's identity (copy). */
  appliance(): SimAppliance {
    return { ...this.world.appliance };
  }

  /**
   * Changes what the appliance reports about itself: a new uniqueId is another appliance behind
   * the same address (a migration target, a test copy); a softwareVersion an upgrade or downgrade.
   */
  setAppliance(patch: Partial<SimAppliance>): void {
    this.world.appliance = { ...this.world.appliance, ...patch };
    // Another appliance (or the same one upgraded and restarted) knows none of the sessions of
    // the one before: a client finds out at its next call and logs in again.
    if (patch.uniqueId !== undefined || patch.softwareVersion !== undefined) this.sessions.expireAll();
  }

  /**
   * Gives every layer and version a new GUID: the layers as another appliance holds them, the same
   * ids and names but other objects (with setAppliance, another appliance at the address; a
   * migration target or a copy of the appliance keeps the GUIDs, and setAppliance alone models it).
   */
  reissueGuids(): void {
    const w = this.world;
    const reissued = new Map<string, string>();
    for (const l of w.layers.values()) {
      l.guid = w.guid();
      for (const r of l.revisions) {
        const g = w.guid();
        reissued.set(r.guid, g);
        r.guid = g;
      }
    }
    for (const l of w.layers.values()) for (const r of l.revisions) r.parentGuid = reissued.get(r.parentGuid) ?? r.parentGuid;
  }

  /** Adds a finished layer directly (as if imported earlier). Returns its id. */
  seedLayer(o: SeedLayerOptions): number {
    const w = this.world;
    const now = w.now();
    const layer: SimLayer = {
      id: w.alloc(), name: o.name, description: o.description ?? "", iconId: o.iconId ?? 196608, folder: "", scriptPath: "",
      guid: w.guid(), operatingSystem: "Windows202264", dateCreated: now, dateLastModified: now, revisions: [],
    };
    let parent = "";
    o.versions.forEach((v, i) => {
      const rev: SimRevision = {
        id: w.alloc(), layerId: layer.id, revision: i + 1, guid: w.guid(), parentGuid: parent, versionName: v, description: "",
        state: "Deployable", sizeMiB: o.sizeMiB ?? 61440, diskFileSize: 12884901888, imagesUsing: [], imported: i === 0,
        scriptPath: "", dateCreated: now, dateLastEdited: now, whoLastEdited: this.user,
      };
      parent = rev.guid;
      layer.revisions.push(rev);
    });
    w.layers.set(layer.id, layer);
    return layer.id;
  }
}

export const DEFAULT_CONNECTOR: ConnectorSeed = {
  id: "7f2c9a3e-4b1d-4e0a-9c55-1a2b3c4d5e6f",
  name: "vSphere",
  platformName: "VMware vSphere",
  validDiskFormats: ["VmdkSparseDiskFormat"],
  isOffloadingEnabled: false,
};

export async function startElmSim(opts: ElmSimOptions = {}): Promise<ElmSim> {
  const world = new ElmWorld(opts.clockSpeed ?? 1);
  world.finalizeMode = opts.finalizeMode ?? "manual";
  world.onMachine = opts.onPackagingMachine;
  if (opts.softwareVersion) world.appliance.softwareVersion = opts.softwareVersion;
  if (opts.applianceUniqueId) world.appliance.uniqueId = opts.applianceUniqueId;
  world.connectors = (opts.connectors ?? [DEFAULT_CONNECTOR]).map((c) => ({
    id: c.id ?? world.guid(),
    name: c.name,
    platformName: c.platformName ?? "VMware vSphere",
    validDiskFormats: c.validDiskFormats ?? ["VmdkSparseDiskFormat"],
    isOffloadingEnabled: c.isOffloadingEnabled ?? false,
  }));
  world.shares = (opts.fileShares ?? [{ uncPath: "\\\\127.0.0.1\\elmshare" }]).map((s) => makeShare(world.alloc(), s));
  world.icons = [...new Set([196608, ...(opts.icons ?? [])])];
  const user = opts.user ?? "administrator";
  const password = opts.password ?? "Unidesk1";
  const sessions = new SessionStore(opts.auth ?? "either", opts.cookieName ?? "ASP.NET_SessionId", opts.sessionIdleMs ?? 0);
  const faults: TransportFaults = { http500Next: 0, malformedNext: 0, delayMs: 0 };
  const handler = new ElmRequestHandler(world, sessions, { user, password }, faults);
  const cert = opts.https ? await makeSelfSignedCert() : undefined;
  const server = cert ? https.createServer({ cert: cert.certPem, key: cert.keyPem }, handler.listener) : http.createServer(handler.listener);
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
  const url = `${cert ? "https" : "http"}://127.0.0.1:${port}/Unidesk.Web/API.asmx`;
  return new ElmSim(url, user, password, server, world, sessions, faults, handler, cert);
}
