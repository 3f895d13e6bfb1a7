/** What stops a vSphere VM from becoming an App Layering OS image: one sentence per problem, with its fix. */
import type { VmInfo } from "./vsphere";

/** Hardware and power problems: what an export needs. */
export function exportBlockers(vm: VmInfo): string[] {
  const out: string[] = [];
  if (vm.nics.length === 0) out.push("the VM has no network adapter: add a VMXNet3 one");
  const other = vm.nics.filter((n) => n.type !== "VirtualVmxnet3");
  if (other.length > 0) out.push(`network adapter(s) ${other.map((n) => n.type).join(", ")} must be VMXNet3: an OsMachine converts them on pulumi up`);
  if (vm.scsiControllers.some((c) => c.type === "ParaVirtualSCSIController")) {
    out.push("a paravirtual SCSI controller is attached: App Layering needs LSI Logic SAS; change the controller in vSphere");
  }
  if ((vm.firmware ?? "bios") !== "bios") out.push(`firmware is ${vm.firmware}: OS layers need BIOS (an MBR disk); build the VM with firmware "bios"`);
  if (vm.powerState !== "poweredOff") out.push(`the VM is ${vm.powerState}: shut it down before exporting (OsMachine powerState "poweredOff")`);
  return out;
}

/** Everything the manual procedure requires, the snapshot included. */
export function osLayerBlockers(vm: VmInfo, snapshotName: string | undefined): string[] {
  const out = exportBlockers(vm);
  if (snapshotName ? !vm.snapshots.some((s) => s.name === snapshotName) : vm.snapshots.length === 0) {
    out.push(
      snapshotName
        ? `snapshot "${snapshotName}" is missing: run pulumi up to take it`
        : "the VM has no snapshot: set snapshotName so one is taken before the OS Machine Tools run",
    );
  }
  return out;
}
