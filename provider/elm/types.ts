/** Typed views of the ELM objects an OS-layer client reads and writes (names follow the WSDL). */

/** `LayerRevisionStatus`. */
export type RevisionState = "Invalid" | "Editing" | "Finalizable" | "Finalizing" | "Deployable" | "Deleting" | "Broken";

/** `WorkItemState`, used for tickets and their work items. */
export type WorkItemState =
  | "NotStarted"
  | "Pending"
  | "Running"
  | "Complete"
  | "Stalled"
  | "Canceling"
  | "Canceled"
  | "Failed"
  | "ActionRequired"
  | "DoneWithErrors";

export const TERMINAL_STATES: ReadonlySet<WorkItemState> = new Set(["Complete", "Failed", "DoneWithErrors", "Canceled"]);

/** `DiskFormat`. */
export type DiskFormat =
  | "UnknownDiskFormat"
  | "VhdDiskFormat"
  | "VhdxDiskFormat"
  | "VmdkDiskFormat"
  | "VmdkSparseDiskFormat"
  | "QCow2DiskFormat"
  | "PhysicalBoot"
  | "Physical"
  | "RawDiskFormat";

/** Layer ids, revision ids, ticket ids etc. are xsd:long; ELM values fit a JS safe integer. */
export type ElmId = number;

/** `LayerEntitySummary`. */
export interface LayerSummary {
  id: ElmId;
  name: string;
  /** `ImageId`: the layer's icon id. */
  iconId?: ElmId;
  type: string;
  dateCreated?: string;
  dateLastModified?: string;
  folder: string;
}

/** An image template using a layer or revision (`ImageEntitySummary`). */
export interface ImageUsing {
  id: ElmId;
  name: string;
}

/** `OsLayerRevisionDetail`: one version of an OS layer. */
export interface OsLayerRevision {
  layerId: ElmId;
  id: ElmId;
  /** Monotonic revision number within the layer. */
  revision: number;
  guid: string;
  parentGuid: string;
  /** `DisplayedVersion`: the version name. */
  versionName: string;
  description: string;
  state: RevisionState;
  /** `SizeMegs`: maximum layer size in MiB. */
  sizeMiB: number;
  /** `DiskFileSize`: bytes on disk. */
  diskFileSizeBytes: number;
  canDelete: boolean;
  imagesUsing: ImageUsing[];
  numberOfImagesUsing: number;
  imported: boolean;
  dateCreated?: string;
  whoLastEdited: string;
}

/** `OsLayerDetailsResult`. */
export interface OsLayerDetails {
  summary: LayerSummary;
  guid: string;
  description: string;
  scriptPath: string;
  operatingSystem: string;
  revisions: OsLayerRevision[];
  imagesUsing: ImageUsing[];
}

/** `PlatformConnectorConfig`. */
export interface ConnectorConfig {
  id: string;
  name: string;
  platformName: string;
  validDiskFormats: DiskFormat[];
  selectedDiskFormat?: DiskFormat;
  minDiskSizeGb: number;
  maxDiskSizeGb: number;
  isOffloadingEnabled: boolean;
}

/** `RemoteFileShareSummary` (credentials are deliberately not exposed). */
export interface FileShare {
  id: ElmId;
  /** UNC path, e.g. `\\server\share`. */
  sharePath: string;
  shareType: string;
}

/** `QueryDirectory` result. */
export interface DirectoryListing {
  directories: string[];
  files: string[];
}

/** `WorkItemResult`. */
export interface WorkItem {
  id: ElmId;
  workTicketId: ElmId;
  itemId: ElmId;
  itemType: string;
  itemName: string;
  state: WorkItemState;
  status: string;
  isCancelable: boolean;
  cancelRequested: boolean;
}

/** `WorkTicketResult`: an ELM task. */
export interface WorkTicket {
  id: ElmId;
  titleResourceId: string;
  /** `ResourceArgs[0]` is the layer name. */
  resourceArgs: string[];
  state: WorkItemState;
  status: string;
  description: string;
  userName: string;
  dateCreated?: string;
  dateLastModified?: string;
  workItems: WorkItem[];
}

/** `QueryLayerInstallDiskResult`. */
export interface LayerInstallDisk {
  diskUncPath: string;
  diskName: string;
  packageDiskName: string;
  layerMayBeEmpty: boolean;
}

/** `Entry` of `QueryAuditLog`. */
export interface AuditEntry {
  id: ElmId;
  userName: string;
  comment: string;
  description: string;
  dateLastModified?: string;
}
