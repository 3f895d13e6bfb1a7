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
  /**
   * Prepare Windows inside the VM as the App Layering procedure says, through VMware Tools (no
   * WinRM, no network path to the guest). Steps run in this order: `disableWindowsUpdate`,
   * `osMachineTools`, `unattend`, `scripts` with phase `beforeSnapshot`, the snapshot
   * (`snapshotName`, default `before-os-machine-tools`), `scripts` with phase `afterSnapshot`,
   * `installTools`; then Windows is shut down. The guest account comes from config
   * (`applayering:guestUser`, secret `applayering:guestPassword`), never from inputs.
   * A changed step (its script or its files' content) re-runs from that step; a change before the
   * snapshot once the snapshot holds the old preparation replaces the VM. The preview says which.
   */
  prepare?: pulumi.Input<OsMachinePrepare>;
}

/** What OsMachine.prepare does inside Windows. */
export interface OsMachinePrepare {
  /** Turn off Windows automatic updates (wuauserv disabled, NoAutoUpdate policy). Default: true. */
  disableWindowsUpdate?: boolean;
  /**
   * The OS Machine Tools: `{ path }` — a local folder of the extracted tools (copied to
   * `C:\Windows\Setup\scripts`) or their .zip (extracted there with Expand-Archive); or
   * `{ installer, args }` — the tools' own installer, a local .exe run with those arguments.
   */
  osMachineTools?: { path: string } | { installer: string; args?: string };
  /**
   * `{ file }`: a local unattend.xml placed in `C:\Windows\Setup\scripts`; or `{ answers }`: the
   * arguments of the tools' Unattend.exe, which builds it. Leave it out when publishing to PVS or Azure.
   */
  unattend?: { file: string } | { answers: string };
  /** Run `C:\Windows\Setup\scripts\Setup_x64.exe` after the snapshot (needs osMachineTools). Default: true. */
  installTools?: boolean;
  /** Your own PowerShell, as inline text or a local .ps1 (at most 1 MiB). */
  scripts?: Array<{
    /** Names the step (`script-<name>`): 1-40 letters, digits, - or _. */
    name: string;
    powershell?: string;
    file?: string;
    /** Before the snapshot (default) or after it, before Setup_x64.exe. */
    phase?: "beforeSnapshot" | "afterSnapshot";
    /** Minutes this script may run. Default: stepTimeoutMinutes. */
    timeoutMinutes?: number;
  }>;
  /** Minutes each step may run before it is ended and the update fails. Default: 30. */
  stepTimeoutMinutes?: number;
}

/** One preparation step as the VM's record keeps it. */
export interface OsMachinePrepareStep {
  id: string;
  title: string;
  /** Hash of its script and files, chained with the steps before it. */
  hash: string;
  state: "done" | "skipped" | "failed" | "timedOut" | "interrupted";
  exitCode?: number;
  /** The last lines of its output. */
  logTail: string[];
  phase: "beforeSnapshot" | "afterSnapshot";
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
  /** The preparation's steps with their state, exit code and log tail ([] without prepare). */
  declare readonly prepareSteps: pulumi.Output<OsMachinePrepareStep[]>;
  /** Setup_x64.exe ran to its end through prepare.installTools. */
  declare readonly osMachineToolsInstalled: pulumi.Output<boolean>;
  /** Whether the VM meets every precondition of an OS layer (with prepare: the OS Machine Tools installed too). */
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
        prepareSteps: undefined,
        osMachineToolsInstalled: undefined,
      },
      opts,
      "applayering",
      "OsMachine",
    );
  }
}
