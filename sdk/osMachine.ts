import * as pulumi from "@pulumi/pulumi";
import { trampoline } from "./trampoline";

export interface OsMachineArgs {
  /** VM name. Default: the resource's logical name. */
  name?: pulumi.Input<string>;
  /** Datacenter name. Changing it replaces the VM. */
  datacenter: pulumi.Input<string>;
  /** VM folder below the datacenter's `vm` folder, e.g. `Layering/OS`. Default: its root. Changing it replaces the VM. */
  folder?: pulumi.Input<string>;
  /** Resource pool inventory path. Default: the datacenter's first cluster or host pool. Changing it replaces the VM. */
  resourcePool?: pulumi.Input<string>;
  /** Datastore for the VM's files. Required unless adopting. Changing it replaces the VM. */
  datastore?: pulumi.Input<string>;
  /** Network (port group) of the VMXNet3 NIC. Required to create a new VM. */
  network?: pulumi.Input<string>;
  /** vSphere guest id, Windows Server family. Default: `windows2019srv_64Guest`. Changing it replaces the VM. */
  guestId?: pulumi.Input<string>;
  /** Virtual CPUs. Default: 2. */
  cpus?: pulumi.Input<number>;
  /** Memory in MB. Default: 4096. */
  memoryMb?: pulumi.Input<number>;
  /** System disk size in GB (grows in place; shrinking replaces the VM). Default: 60. */
  diskGb?: pulumi.Input<number>;
  /** `bios` (what App Layering needs: an MBR disk) or `efi`. Default: `bios`. Changing it replaces the VM (an adopted VM keeps its own). */
  firmware?: pulumi.Input<"bios" | "efi">;
  /** Inventory path of a template to clone, e.g. `DC0/vm/Templates/win2022`. Changing it replaces the VM. */
  template?: pulumi.Input<string>;
  /** Inventory path of an existing VM to adopt instead of creating one; released, never destroyed, on delete. Changing it replaces the VM. */
  adoptInventoryPath?: pulumi.Input<string>;
  /** `poweredOff` (what an export needs) or `poweredOn`. Default: `poweredOff`. */
  powerState?: pulumi.Input<"poweredOff" | "poweredOn">;
  /** A named snapshot kept present (the procedure snapshots before installing the OS machine tools). */
  snapshotName?: pulumi.Input<string>;
  /** Minutes to wait for vSphere tasks and guest shutdown. Default: 30. */
  operationTimeout?: pulumi.Input<number>;
}

/** The vSphere VM that holds the OS image of an App Layering OS layer. Its NIC always ends VMXNet3. */
export class OsMachine extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  /** Managed object id, e.g. `vm-42`. */
  declare readonly moref: pulumi.Output<string>;
  declare readonly instanceUuid: pulumi.Output<string>;
  /** Inventory path, e.g. `DC0/vm/Layering/win2022`. */
  declare readonly inventoryPath: pulumi.Output<string>;
  /** Type of the NIC (`VirtualVmxnet3` once reconciled). */
  declare readonly nicType: pulumi.Output<string>;
  declare readonly scsiControllerTypes: pulumi.Output<string[]>;
  declare readonly firmware: pulumi.Output<string>;
  declare readonly powerState: pulumi.Output<string>;
  /** Id of the snapshot named `snapshotName`; "" without one. */
  declare readonly snapshotId: pulumi.Output<string>;
  /** The VM's configuration change version; a new one marks new content. */
  declare readonly changeVersion: pulumi.Output<string>;
  /** Whether the VM meets every precondition of an OS layer. */
  declare readonly osLayerReady: pulumi.Output<boolean>;
  /** The unmet preconditions (VMXNet3, no paravirtual SCSI, BIOS, powered off, snapshot present), each with its fix. */
  declare readonly osLayerUnmet: pulumi.Output<string[]>;

  constructor(name: string, args: OsMachineArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      trampoline("osMachine"),
      name,
      {
        ...args,
        name: args.name ?? name,
        moref: undefined,
        instanceUuid: undefined,
        inventoryPath: undefined,
        nicType: undefined,
        scsiControllerTypes: undefined,
        snapshotId: undefined,
        changeVersion: undefined,
        osLayerReady: undefined,
        osLayerUnmet: undefined,
      },
      opts,
      "applayering",
      "OsMachine",
    );
  }
}
