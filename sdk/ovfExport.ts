import * as pulumi from "@pulumi/pulumi";
import { trampoline } from "./trampoline";
import type { OsMachine } from "./osMachine";
import type { OvfExportFile } from "../provider/ovfExport/types";
import { exportPaths } from "../provider/ovfExport/paths";

export type { OvfExportFile };

export interface OvfExportArgs {
  /** The VM to export: an OsMachine. Or set `vmInventoryPath`. New content (its change version or snapshot) or another VM replaces the export. */
  machine?: OsMachine;
  /** Inventory path of the VM to export, e.g. `DC0/vm/win2022`, when it is not an OsMachine of this program. Changing it replaces the export. */
  vmInventoryPath?: pulumi.Input<string>;
  /** Folder on the ELM's file share that holds exports, as a UNC path: `\\fileserver\layers\exports`. Changing it replaces the export. */
  shareFolder: pulumi.Input<string>;
  /** Name of this export's folder and `.ovf`. Default: the resource's logical name. Changing it replaces the export. */
  name?: pulumi.Input<string>;
  /** Keep the files on the share when the resource is deleted. Default: false. */
  retainFiles?: pulumi.Input<boolean>;
  /** Minutes the export may take. Default: 120. */
  exportTimeout?: pulumi.Input<number>;
}

/**
 * A VM exported as an OVF "folder of files" to the ELM's file share: streamed from vSphere to the
 * share, published atomically (the ELM never sees a half-written export), with a SHA-256 manifest,
 * and checked fit for an OS layer.
 */
export class OvfExport extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  /**
   * Path of the `.ovf` relative to the share's root: what `OsLayer.ovfPath` takes. Derived from
   * `shareFolder` and `name`, so it is known during preview even while the export is replaced,
   * and it depends on this resource, so a layer waits for the export.
   */
  declare readonly ovfSharePath: pulumi.Output<string>;
  /** UNC path of the `.ovf`. */
  declare readonly ovfUncPath: pulumi.Output<string>;
  /** Every file of the export with its size and SHA-256. */
  declare readonly files: pulumi.Output<OvfExportFile[]>;
  /** Share path of the `.mf` manifest. */
  declare readonly manifestPath: pulumi.Output<string>;
  /** Total capacity of the exported disks, in bytes. */
  declare readonly diskCapacityBytes: pulumi.Output<number>;

  constructor(name: string, args: OvfExportArgs, opts?: pulumi.CustomResourceOptions) {
    const m = args.machine;
    super(
      trampoline("ovfExport"),
      name,
      {
        vmMoref: m?.moref,
        vmInventoryPath: m ? m.inventoryPath : args.vmInventoryPath,
        vmChangeVersion: m?.changeVersion,
        vmSnapshotId: m?.snapshotId,
        shareFolder: args.shareFolder,
        name: args.name ?? name,
        retainFiles: args.retainFiles,
        exportTimeout: args.exportTimeout,
        ovfSharePath: undefined,
        ovfUncPath: undefined,
        files: undefined,
        manifestPath: undefined,
        diskCapacityBytes: undefined,
      },
      opts,
      "applayering",
      "OvfExport",
    );
    const exportName = args.name ?? name;
    (this as { ovfSharePath: pulumi.Output<string> }).ovfSharePath = pulumi
      .all([this.urn, args.shareFolder, exportName])
      .apply(([, folder, n]) => {
        // A malformed shareFolder is check()'s to report, naming the field; not the program's to throw.
        try {
          return exportPaths(folder, n).ovfSharePath;
        } catch {
          return "";
        }
      });
  }
}
