import * as pulumi from "@pulumi/pulumi";
import { trampoline } from "./trampoline";
import type { OsMachine } from "./osMachine";
import type { OsLayerVersion } from "../provider/osLayer/types";

export type { OsLayerVersion };

/**
 * The unattended version: what the provider does in a new version's packaging machine, over
 * vSphere guest operations (no WinRM, no network path to the machine). Guest account:
 * `applayering:guestUser` / `applayering:guestPassword`, as for OsMachine.prepare. Every stage
 * is resumable: a rerun after a crash or a passed `versionTimeout` continues the same version.
 */
export interface OsLayerPackaging {
  /** PowerShell scripts (their text), run in the packaging machine in this order, each once per version. */
  scripts?: pulumi.Input<pulumi.Input<string>[]>;
  /** Minutes one script may run. Default: 60. */
  scriptTimeout?: pulumi.Input<number>;
  /**
   * Windows Update: install what applies, reboot, repeat until nothing applies or `maxRounds`.
   * The installed KB numbers appear in `installedUpdates` and in the layer's audit comments.
   * `true` takes the defaults; absent: no updates.
   */
  windowsUpdate?: pulumi.Input<
    | boolean
    | {
        /** Install rounds at most. Default: 5. */
        maxRounds?: pulumi.Input<number>;
        /** Minutes one reboot may take until VMware Tools answer again. Default: 20. */
        rebootTimeout?: pulumi.Input<number>;
        /** Minutes one install round may take. Default: 90. */
        roundTimeout?: pulumi.Input<number>;
      }
  >;
  /** `auto` (default): the provider runs Shutdown For Finalize; `manual`: a person does, as without packaging. */
  finalize?: pulumi.Input<"auto" | "manual">;
  /** The pre-finalize layer-integrity gate. */
  gate?: pulumi.Input<{
    /** Minutes to wait for transient blockers (an installer running, NGen, a pending reboot). Default: 30. */
    timeout?: pulumi.Input<number>;
    /** Report the layer-integrity state and stop before Shutdown For Finalize. Default: false. */
    checkOnly?: pulumi.Input<boolean>;
  }>;
}

export interface OsLayerArgs {
  /** Layer name in the ELM. Default: the resource's logical name. */
  name?: pulumi.Input<string>;
  /** Layer description (the wizard's "Layer Description"). */
  description?: pulumi.Input<string>;
  /** Icon: an ELM icon id, or an icon's name. Default: the ELM's default icon. */
  icon?: pulumi.Input<string>;
  /** Platform connector configuration, by name (the wizard's "Connector"). */
  connector: pulumi.Input<string>;
  /** The ELM's network file share, by its UNC path (`\\fileserver\layers`). Default: the ELM's only file share. */
  fileShare?: pulumi.Input<string>;
  /**
   * Source of the first version: the `.ovf` on the ELM's file share, relative to the share root
   * (an `OvfExport`'s `ovfSharePath`). Exactly one of `ovfPath` and `machine`. Changing it replaces the layer.
   */
  ovfPath?: pulumi.Input<string>;
  /**
   * Source of the first version: an OsMachine, imported straight from vSphere by the connector
   * (ImportOs with the VM's moref). Exactly one of `ovfPath` and `machine`. A different VM replaces the layer.
   */
  machine?: OsMachine;
  /** The layer version this program wants (the wizard's "Version"). A new value adds a layer version on `pulumi up`. */
  version: pulumi.Input<string>;
  /** Description of that version. */
  versionDescription?: pulumi.Input<string>;
  /** Max layer size in GB, thin provisioned. Default: 100 (the wizard's). */
  maxLayerSizeGb?: pulumi.Input<number>;
  /** Comment recorded in the ELM's audit history; a correlation token is appended. */
  comment?: pulumi.Input<string>;
  /** Adopt an existing layer of the same name instead of failing. Default: false. */
  adoptExisting?: pulumi.Input<boolean>;
  /** Minutes to wait for the import to become Deployable. Default: 120. */
  createTimeout?: pulumi.Input<number>;
  /** Minutes to wait for a new version's packaging machine to be shut down and finalized. Default: 240. */
  versionTimeout?: pulumi.Input<number>;
  /** Minutes to wait for the layer's deletion, and for versions deleted by `keepVersions`. Default: 30. */
  deleteTimeout?: pulumi.Input<number>;
  /**
   * How many Deployable versions to keep. After a new `version` is Deployable (or when this value
   * is lowered), the oldest Deployable versions beyond this many are deleted — except a version an
   * image template uses or the ELM does not allow deleting (CanDelete), which stays and is named in
   * a warning. The newest Deployable version is never deleted. The preview names the versions the
   * update will delete. Default: unset, every version is kept.
   */
  keepVersions?: pulumi.Input<number>;
  /**
   * Image templates, by name, to point at `version` once it is Deployable (the ELM's
   * UpdateOsLayerAssignment). Each must use a version of this layer; the preview names those that move.
   */
  updateImageTemplates?: pulumi.Input<pulumi.Input<string>[]>;
  /** Unattended versions: scripts, Windows Update, the integrity gate and Shutdown For Finalize by the provider. */
  packaging?: pulumi.Input<OsLayerPackaging>;
}

function withoutMachine(args: OsLayerArgs): Omit<OsLayerArgs, "machine"> {
  const { machine: _machine, ...rest } = args;
  return rest;
}

/**
 * A Citrix App Layering OS layer and its versions, in the ELM.
 * Creating it imports the OS (from an OVF on the file share, or straight from a VM) and waits for
 * the first version to be Deployable; a new `version` adds one layer version, based on the newest
 * Deployable one, and completes when its packaging machine has been shut down for finalize.
 */
export class OsLayer extends pulumi.dynamic.Resource {
  /** The ELM's id of the layer. */
  declare readonly layerId: pulumi.Output<string>;
  /** The layer's own GUID in the ELM (a refresh proves the layer by it). */
  declare readonly layerGuid: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly version: pulumi.Output<string>;
  /** Id of the revision for `version`. */
  declare readonly revisionId: pulumi.Output<string>;
  /** State of that revision (Deployable, Editing, Finalizable, ...). */
  declare readonly revisionState: pulumi.Output<string>;
  /** Every version of the layer, oldest first, with its state. */
  declare readonly versions: pulumi.Output<OsLayerVersion[]>;
  /** The packaging machine while a version waits for its in-guest work; "" otherwise. */
  declare readonly packagingMachine: pulumi.Output<string>;
  /** Image templates that still use a version older than `version`. */
  declare readonly templatesBehind: pulumi.Output<string[]>;
  /**
   * UniqueId of the ELM appliance the layer was created on (recorded at create and by each update;
   * a refresh keeps it when the layer bears its recorded `layerGuid`, else records the one asked).
   */
  declare readonly elmUniqueId: pulumi.Output<string>;
  /** The ELM's App Layering version (SoftwareVersion), e.g. `24.9.0.1`. */
  declare readonly elmVersion: pulumi.Output<string>;
  /** Where the unattended packaging of the version in progress got to ("" when none). */
  declare readonly packagingStage: pulumi.Output<string>;
  /** KB numbers Windows Update installed in the newest packaged version. */
  declare readonly installedUpdates: pulumi.Output<string[]>;

  constructor(name: string, args: OsLayerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      trampoline("osLayer"),
      name,
      {
        ...withoutMachine(args),
        vmMoref: args.machine?.moref,
        vmName: args.machine?.name,
        name: args.name ?? name,
        layerId: undefined,
        layerGuid: undefined,
        revisionId: undefined,
        revisionState: undefined,
        versions: undefined,
        packagingMachine: undefined,
        templatesBehind: undefined,
        elmUniqueId: undefined,
        elmVersion: undefined,
        packagingStage: undefined,
        installedUpdates: undefined,
      },
      opts,
      "applayering",
      "OsLayer",
    );
  }
}
