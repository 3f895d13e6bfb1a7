/**
 * An OvfExport create looked up before its first step: the VM (by moref or inventory path) and
 * what vSphere says of it, read once; the export and the re-run check both work from that.
 */
import { ManagedObjectNotFoundError, MoRef, VimClient, VmInfo, mustFind, readVm } from "../vsphere";
import type { OvfExportInputs } from "./types";

export interface ExportPlan {
  vm: MoRef;
  info: VmInfo;
}

export async function planExport(vim: VimClient, inputs: OvfExportInputs): Promise<ExportPlan> {
  const vm: MoRef = inputs.vmMoref
    ? { type: "VirtualMachine", value: inputs.vmMoref }
    : await mustFind(vim, inputs.vmInventoryPath!, "VM to export (OvfExport.vmInventoryPath)");
  const info = await readVm(vim, vm).catch((err: unknown) => {
    if (!(err instanceof ManagedObjectNotFoundError)) throw err;
    throw new Error(
      `OvfExport.vmMoref: VM ${vm.value} no longer exists in vSphere: run \`pulumi refresh\` so that the next \`pulumi up\` recreates its OsMachine, or point the export at another VM`,
    );
  });
  return { vm, info };
}
