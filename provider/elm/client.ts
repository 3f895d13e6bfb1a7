/**
 * ElmClient: one session plus the typed operations bound to it — what the OsLayer reconciler
 * uses. Each method is a thin call of the function of the same name in layers/revisions/
 * tickets/lookups, which can also be used directly with an ElmSession.
 */
import * as appliance from "./appliance";
import * as images from "./images";
import * as layers from "./layers";
import * as lookups from "./lookups";
import * as revisions from "./revisions";
import { ElmSession, ElmSessionOptions } from "./session";
import * as tickets from "./tickets";
import type { ElmId, WorkTicket } from "./types";

export type ElmClientOptions = ElmSessionOptions;

export class ElmClient {
  readonly session: ElmSession;
  private applianceOfLogin?: { login?: number; details: Promise<appliance.ApplianceDetails> };

  constructor(opts: ElmClientOptions) {
    this.session = new ElmSession(opts);
  }

  get url(): string {
    return this.session.url;
  }

  login(): Promise<void> {
    return this.session.login();
  }
  logout(): Promise<void> {
    return this.session.logout();
  }

  // Lookups
  connectorConfigs(features?: string) {
    return lookups.queryConnectorConfigs(this.session, features);
  }
  findConnectorConfig(name: string) {
    return lookups.findConnectorConfig(this.session, name);
  }
  fileShares() {
    return lookups.queryFileShares(this.session);
  }
  findFileShare(uncPath?: string) {
    return lookups.findFileShare(this.session, uncPath);
  }
  queryDirectory(fileShareId: ElmId, relativePath: string) {
    return lookups.queryDirectory(this.session, fileShareId, relativePath);
  }
  icons() {
    return lookups.queryIcons(this.session);
  }
  auditLog(entityType: string, entityId: ElmId, pageSize?: number) {
    return lookups.queryAuditLog(this.session, entityType, entityId, pageSize);
  }

  // Layers
  osLayers(filter?: string) {
    return layers.queryOsLayers(this.session, filter);
  }
  findOsLayerByName(name: string) {
    return layers.findOsLayerByName(this.session, name);
  }
  osLayerDetails(layerId: ElmId) {
    return layers.queryOsLayerDetails(this.session, layerId);
  }
  tryOsLayerDetails(layerId: ElmId) {
    return layers.tryQueryOsLayerDetails(this.session, layerId);
  }
  importOs(args: layers.ImportOsFromVmArgs | layers.ImportOsFromShareArgs) {
    return layers.importOs(this.session, args);
  }
  editLayer(args: layers.EditLayerArgs) {
    return layers.editLayer(this.session, args);
  }

  // Revisions
  createOsLayerRevision(args: revisions.CreateOsLayerRevisionArgs) {
    return revisions.createOsLayerRevision(this.session, args);
  }
  layerInstallDisk(layerId: ElmId) {
    return revisions.queryLayerInstallDisk(this.session, layerId);
  }
  /** FinalizeLayerRevision (classic ELMs); then wait for the revision to turn Deployable. */
  finalize(args: revisions.FinalizeArgs): Promise<void> {
    return revisions.finalizeLayerRevision(this.session, args);
  }
  deleteOsLayerRevisions(args: revisions.DeleteRevisionsArgs) {
    return revisions.deleteOsLayerRevisions(this.session, args);
  }
  waitForRevisionState(layerId: ElmId, revisionId: ElmId, states: Parameters<typeof revisions.waitForRevisionState>[3], opts: revisions.WaitRevisionOptions) {
    return revisions.waitForRevisionState(this.session, layerId, revisionId, states, opts);
  }

  // The appliance and image templates
  applianceDetails() {
    return appliance.queryApplianceDetails(this.session);
  }

  /**
   * The same, asked once per login and then reused (concurrent asks share one call; a failure is
   * not kept). Only right after a call that proved the login still holds: an appliance swapped
   * at the address ends the sessions, which only a call finds out. Every OsLayer Read checks the
   * appliance, and a refresh of N layers must cost N+1 calls, not 2N+1.
   */
  applianceDetailsOfThisLogin(): Promise<appliance.ApplianceDetails> {
    const cached = this.applianceOfLogin;
    if (cached && (cached.login === undefined || cached.login === this.session.loginCount)) return cached.details;
    const entry: { login?: number; details: Promise<appliance.ApplianceDetails> } = { details: this.applianceDetails() };
    this.applianceOfLogin = entry;
    entry.details.then(
      () => (entry.login = this.session.loginCount),
      () => {
        if (this.applianceOfLogin === entry) this.applianceOfLogin = undefined;
      },
    );
    return entry.details;
  }
  imagesByLayerRevision(layerId: ElmId) {
    return images.queryImagesByLayerRevision(this.session, layerId);
  }
  updateOsLayerAssignment(args: images.AssignOsRevisionArgs) {
    return images.updateOsLayerAssignment(this.session, args);
  }

  // Work tickets
  workTickets(filter: tickets.TicketFilter) {
    return tickets.queryWorkTickets(this.session, filter);
  }
  findTicket(ticketId: ElmId): Promise<WorkTicket | undefined> {
    return tickets.findTicket(this.session, ticketId);
  }
  findActiveTicketsForLayer(layerName: string, titleResourceId?: string) {
    return tickets.findActiveTicketsForLayer(this.session, layerName, titleResourceId);
  }
  waitForWorkTicket(ticketId: ElmId, opts?: tickets.WaitTicketOptions) {
    return tickets.waitForWorkTicket(this.session, ticketId, opts);
  }
  cancelWorkTickets(ids: ElmId[], force?: boolean) {
    return tickets.cancelWorkTickets(this.session, ids, force);
  }
}

