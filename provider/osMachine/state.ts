import type { VmInfo } from "../vsphere";
import { osLayerBlockers } from "../vmReadiness";
import { ownerMark, vmIdentity, verifiesMark } from "../owner";
import type { PrepareStepRecord } from "./prepare/types";
import type { OsMachineInputs, OsMachineOutputs, PowerState } from "./types";

/**
 * The notes left on VMs this library creates: the first line is the mark bound to the VM's
 * instanceUuid (see owner.ts); the rest of `previous` (past an older mark line) is kept.
 */
export function vmNote(instanceUuid: string, previous = ""): string {
  const lines = previous.split("\n");
  const rest = (/^(Managed by )?\[pulumi-applayering/.test(lines[0]) ? lines.slice(1) : lines).join("\n");
  return `${ownerMark(vmIdentity(instanceUuid))}\n${rest || "Managed by pulumi-applayering: the line above proves ownership of this VM only; a copy or a clone does not inherit it."}`;
}

/** Whether the VM's notes begin with a mark that verifies for its own instanceUuid. */
export function vmMarkedByUs(notes: string, instanceUuid: string | undefined): boolean {
  if (!instanceUuid) return false;
  return verifiesMark(notes.split("\n", 1)[0], vmIdentity(instanceUuid));
}

/**
 * Outputs. Keys that decide a replacement (name, guest id, firmware, placement) keep the program's
 * values: a value read back from vSphere must never turn an up into a destroy. Hardware the
 * provider converges (CPUs, memory, power, NIC, snapshot) shows what vSphere has, so drift shows.
 */
export function outputsOf(inputs: OsMachineInputs, vm: VmInfo, inventoryPath: string, managed: boolean, prepareSteps: PrepareStepRecord[] = []): OsMachineOutputs {
  const unmet = osLayerBlockers(vm, inputs.snapshotName);
  const toolsInstalled = prepareSteps.some((s) => s.id === "installTools" && (s.state === "done" || s.state === "skipped"));
  if (inputs.prepare?.installTools && !toolsInstalled) {
    unmet.push("the OS Machine Tools are not installed (prepare step installTools, Setup_x64.exe, has not finished): run pulumi up until prepare completes");
  }
  const disk = vm.disks[0];
  const snapshot = inputs.snapshotName ? vm.snapshots.find((s) => s.name === inputs.snapshotName) : undefined;
  return {
    ...inputs,
    cpus: inputs.cpus === undefined ? undefined : vm.numCPUs ?? inputs.cpus,
    memoryMb: inputs.memoryMb === undefined ? undefined : vm.memoryMB ?? inputs.memoryMb,
    // A disk only grows: one at least as large as asked satisfies the program.
    diskGb: inputs.diskGb === undefined || !disk || disk.capacityKB >= inputs.diskGb * 1024 * 1024 ? inputs.diskGb : Math.floor(disk.capacityKB / (1024 * 1024)),
    vmFirmware: vm.firmware ?? "bios",
    vmGuestId: vm.guestId ?? "",
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
    prepareSteps,
    osMachineToolsInstalled: toolsInstalled,
  };
}
