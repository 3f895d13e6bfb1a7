import type { VmInfo } from "../vsphere";
import { osLayerBlockers } from "../vmReadiness";
import type { Firmware, OsMachineInputs, OsMachineOutputs, PowerState } from "./types";

export const MARK = "Managed by pulumi-applayering";

export function outputsOf(inputs: OsMachineInputs, vm: VmInfo, inventoryPath: string, managed: boolean): OsMachineOutputs {
  const unmet = osLayerBlockers(vm, inputs.snapshotName);
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
    changeVersion: vm.contentVersion ?? "",
    osLayerReady: unmet.length === 0,
    osLayerUnmet: unmet,
    managed,
  };
}
