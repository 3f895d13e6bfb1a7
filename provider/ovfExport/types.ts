/** The OvfExport resource's inputs (after check()) and outputs, as stored in state. */

export interface OvfExportInputs {
  /** The VM's managed object id (an OsMachine's `moref`). One of vmMoref and vmInventoryPath. */
  vmMoref?: string;
  /** The VM's inventory path, e.g. `DC0/vm/win2022`. */
  vmInventoryPath?: string;
  /** The VM's change version: a new one means new content, so a new export. */
  vmChangeVersion?: string;
  /** The VM's snapshot id: a new one means new content, so a new export. */
  vmSnapshotId?: string;
  /** UNC path of the folder on the ELM's share that holds exports, `\\host\share\folder`. */
  shareFolder: string;
  /** Name of this export's folder (and of its `.ovf`). */
  name: string;
  /** Keep the files on the share when the resource is deleted. */
  retainFiles: boolean;
  /** Minutes the export may take. */
  exportTimeout: number;
}

export interface OvfExportFile {
  name: string;
  size: number;
  sha256: string;
}

export interface OvfExportOutputs extends OvfExportInputs {
  /** Owner id of the export folder (its marker file holds the same): delete() removes only its own. */
  exportId: string;
  /** Path of the `.ovf` relative to the share's root: what an OsLayer's `ovfPath` takes. */
  ovfSharePath: string;
  /** `\\host\share\folder\name\name.ovf` */
  ovfUncPath: string;
  files: OvfExportFile[];
  manifestPath: string;
  diskCapacityBytes: number;
}
