import type { VmInfo } from "../vsphere";
import type { Firmware, OsMachineInputs, OsMachineOutputs, PowerState } from "./types";

/** What stops a VM from being an App Layering OS image, each with its fix. */
export function unmetPreconditions(vm: VmInfo, snapshotName: string | undefined): string[] {
  const out: string[] = [];
  if (vm.nics.length === 0) out.push("the VM has no network adapter: add a VMXNet3 one");
  const other = vm.nics.filter((n) => n.type !== "VirtualVmxnet3");
  if (other.length > 0) out.push(`network adapter(s) ${other.map((n) => n.type).join(", ")} must be VMXNet3: run pulumi up to convert them`);
  if (vm.scsiControllers.some((c) => c.type === "ParaVirtualSCSIController")) {
    out.push("a paravirtual SCSI controller is attached: App Layering needs LSI Logic SAS; change the controller in vSphere");
  }
  if ((vm.firmware ?? "bios") !== "bios") out.push(`firmware is ${vm.firmware}: OS layers need BIOS (an MBR disk); set firmware: "bios"`);
  if (vm.powerState !== "poweredOff") out.push(`the VM is ${vm.powerState}: shut it down before exporting (powerState: "poweredOff")`);
  if (snapshotName ? !vm.snapshots.some((s) => s.name === snapshotName) : vm.snapshots.length === 0) {
    out.push(snapshotName ? `snapshot "${snapshotName}" is missing: run pulumi up to take it` : "the VM has no snapshot: set snapshotName so one is taken before the OS Machine Tools run");
  }
  return out;
}

export const MARK = "Managed by pulumi-applayering";

export function outputsOf(inputs: OsMachineInputs, vm: VmInfo, inventoryPath: string, managed: boolean): OsMachineOutputs {
  const unmet = unmetPreconditions(vm, inputs.snapshotName);
  const disk = vm.disks[0];
  const snapshot = inputs.snapshotName ? vm.snapshots.find((s) => s.name === inputs.snapshotName) : undefined;
  return {
    ...inputs,
    name: vm.name,
    guestId: vm.guestId ?? inputs.guestId,
    cpus: vm.numCPUs ?? inputs.cpus,
    memoryMb: vm.memoryMB ?? inputs.memoryMb,
    diskGb: disk ? Math.round(disk.capacityKB / (1024 * 1024)) : inputs.diskGb,
    firmware: ((vm.firmware as Firmware | undefined) ?? inputs.firmware),
    powerState: (vm.powerState === "poweredOn" ? "poweredOn" : vm.powerState === "poweredOff" ? "poweredOff" : vm.powerState) as PowerState,
    moref: vm.ref.value,
    instanceUuid: vm.instanceUuid ?? "",
    inventoryPath,
    nicType: vm.nics.map((n) => n.type).join(",") || "",
    scsiControllerTypes: vm.scsiControllers.map((c) => c.type),
    snapshotId: snapshot ? snapshot.ref.value : "",
    changeVersion: vm.changeVersion ?? "",
    osLayerReady: unmet.length === 0,
    osLayerUnmet: unmet,
    managed,
  };
}
