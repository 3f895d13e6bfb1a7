/** The OsLayer resource's inputs (after check()) and outputs, as stored in state. */
import type { PackagingInputs } from "../packaging/types";

export interface OsLayerInputs {
  /** Layer name in the ELM (unique). */
  name: string;
  description?: string;
  /** ELM icon id (digits); the ELM's default icon when absent. */
  icon?: string;
  /** Platform connector configuration, by name. */
  connector: string;
  /** The ELM's file share, by its UNC path; the ELM's only share when absent. */
  fileShare?: string;
  /** Path of the `.ovf` on the file share, relative to the share's root (the OVF form of ImportOs). */
  ovfPath?: string;
  /** Managed object id of the vSphere VM to import directly (the PlatformData form of ImportOs). */
  vmMoref?: string;
  /** That VM's name. */
  vmName?: string;
  /** Version of the layer this program wants; a new value adds a layer version. */
  version: string;
  versionDescription?: string;
  /** Max layer size in GB (thin provisioned). */
  maxLayerSizeGb: number;
  /** Audit history comment; a correlation token is appended. */
  comment?: string;
  /** Adopt a layer of the same name that already exists instead of failing. */
  adoptExisting: boolean;
  /** Minutes to wait for the import (first version) to become Deployable. */
  createTimeout: number;
  /** Minutes to wait for a new version's packaging machine to be shut down and finalized. */
  versionTimeout: number;
  /** Minutes to wait for deletion. */
  deleteTimeout: number;
  /**
   * Versions to keep: after a new version is Deployable (or when this is lowered), the oldest
   * Deployable versions beyond this many are deleted, unless an image template uses them or the
   * ELM does not allow it (then a warning names them). Absent: every version is kept.
   */
  keepVersions?: number;
  /** Image templates (by name) to point at the new version once it is Deployable. */
  updateImageTemplates?: string[];
  /** What the provider does in a new version's packaging machine; absent: a person does it. */
  packaging?: PackagingInputs;
}

/** One version of the layer, as the ELM reports it (outputs `versions`, oldest first). */
export interface OsLayerVersion {
  revisionId: string;
  name: string;
  description?: string;
  state: string;
  sizeMb?: number;
  /** The ELM's CanDelete: false while something (an image template, an app layer) needs it. */
  canDelete?: boolean;
  /** Names of the image templates that use this version. */
  imageTemplates?: string[];
}

/**
 * Outputs. `version` is the newest version that is finished (Deployable): while a new version is
 * still in progress it keeps the previous value, so the next diff sees a change and `pulumi up`
 * resumes that version instead of reporting nothing to do.
 */
export interface OsLayerOutputs extends OsLayerInputs {
  layerId: string;
  /**
   * The layer's own GUID (QueryOsLayerDetails' Guid): a refresh that reads this GUID at
   * `layerId` knows the layer is this one without asking the appliance's identity.
   */
  layerGuid: string;
  revisionId: string;
  revisionState: string;
  versions: OsLayerVersion[];
  /** The packaging machine while a version is waiting for its in-guest work; "" otherwise. */
  packagingMachine: string;
  /** The version in progress (created, not yet Deployable); "" otherwise. */
  pendingVersion: string;
  /** Image templates that still use an older version than `version`. */
  templatesBehind: string[];
  /** The appliance's UniqueId, recorded at create (another one means another appliance). */
  elmUniqueId: string;
  /** The appliance's App Layering version (SoftwareVersion). */
  elmVersion: string;
  /** Where the unattended packaging of the version in progress got to ("" when none or done). */
  packagingStage: string;
  /** KB numbers Windows Update installed in the newest version the provider packaged. */
  installedUpdates: string[];
}
