/** The simulator's state objects: what an ELM keeps about OS layers and the things around them. */

export type RevisionState = "Invalid" | "Editing" | "Finalizable" | "Finalizing" | "Deployable" | "Deleting" | "Broken";
export type TicketState =
  | "NotStarted" | "Pending" | "Running" | "Complete" | "Stalled" | "Canceling" | "Canceled" | "Failed" | "ActionRequired" | "DoneWithErrors";

export const TERMINAL: ReadonlySet<TicketState> = new Set(["Complete", "Failed", "DoneWithErrors", "Canceled"]);

export interface SimImage {
  id: number;
  name: string;
}

/** An image template: which OS layer revision it is built from. */
export interface SimImageTemplate {
  id: number;
  name: string;
  description: string;
  osRevisionId: number;
}

/** The appliance's identity as `QueryManagementApplianceDetailsWithParam` reports it. */
export interface SimAppliance {
  id: number;
  name: string;
  uniqueId: string;
  softwareVersion: string;
  hostName: string;
}

export interface SimRevision {
  id: number;
  layerId: number;
  revision: number;
  guid: string;
  parentGuid: string;
  versionName: string;
  description: string;
  state: RevisionState;
  sizeMiB: number;
  diskFileSize: number;
  imagesUsing: SimImage[];
  imported: boolean;
  scriptPath: string;
  dateCreated: Date;
  dateLastEdited: Date;
  whoLastEdited: string;
  /** State before a delete ticket started (restored if it fails). */
  stateBeforeDelete?: RevisionState;
}

export interface SimLayer {
  id: number;
  name: string;
  description: string;
  iconId: number;
  folder: string;
  scriptPath: string;
  guid: string;
  operatingSystem: string;
  dateCreated: Date;
  dateLastModified: Date;
  revisions: SimRevision[];
}

export interface SimConnector {
  id: string;
  name: string;
  platformName: string;
  validDiskFormats: string[];
  isOffloadingEnabled: boolean;
}

export interface SimFileShare {
  id: number;
  name: string;
  uncPath: string;
  /** Reads a file by its path relative to the share root; undefined when it does not exist. */
  read?: (relativePath: string) => Promise<Buffer | undefined>;
  /** Whether a file exists (disk files are many GB: checked without reading them). */
  exists?: (relativePath: string) => Promise<boolean>;
  /** Lists a directory relative to the share root; undefined when it does not exist. */
  list?: (relativePath: string) => Promise<{ directories: string[]; files: string[] } | undefined>;
}

/** `EntityType` members a work item of this simulator names (the WSDL enum has no `VirtualMachine`). */
export type WorkItemEntityType = "OsLayer" | "OsLayerRevision" | "InstallMachine";

export interface SimWorkItem {
  id: number;
  itemId: number;
  itemType: WorkItemEntityType;
  itemName: string;
  state: TicketState;
  status: string;
}

export interface SimTicket {
  id: number;
  kind: "ImportOs" | "CreateOsLayerRevision" | "FinalizeLayerRevision" | "DeleteOsLayerRevisions";
  titleResourceId: string;
  resourceArgs: string[];
  layerId: number;
  revisionIds: number[];
  userName: string;
  state: TicketState;
  status: string;
  workItem: SimWorkItem;
  dateCreated: Date;
  dateLastModified: Date;
  dateCompleted?: Date;
}

export interface PackagingMachine {
  name: string;
  layerId: number;
  revisionId: number;
  ticketId: number;
  ipAddress: string;
  powerState: "poweredOn" | "poweredOff";
}

export interface AuditRecord {
  id: number;
  entityType: string;
  entityId: number;
  userName: string;
  comment: string;
  description: string;
  date: Date;
}
