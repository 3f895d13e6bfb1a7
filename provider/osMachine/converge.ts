/**
 * Bringing a VM to what the program declares, step by step and idempotently: each step reads
 * first and acts only on a difference, so a re-run after an interruption picks up where it was.
 */
import {
  MoRef,
  VimClient,
  cloneVm,
  createSnapshot,
  createVm,
  deviceChange,
  diskDevice,
  ensureVmxnet3,
  powerOn,
  readVm,
  reconfigureVm,
  renameEntity,
  retrieveProperties,
  shutdownGuest,
} from "../vsphere";
import type { Report } from "../progress";
import { randomUUID } from "node:crypto";
import type { NewVmPlan } from "./plan";
import { vmMarkedByUs, vmNote } from "./state";
import type { OsMachineInputs } from "./types";

async function identity(vim: VimClient, vm: MoRef): Promise<{ notes: string; instanceUuid?: string }> {
  const oc = await retrieveProperties(vim, vm, ["config.annotation", "config.instanceUuid"]);
  const uuid = oc.props["config.instanceUuid"];
  return { notes: String(oc.props["config.annotation"] ?? ""), instanceUuid: typeof uuid === "string" && uuid ? uuid : undefined };
}

/** Was this VM created by this stack: a mark in its notes that verifies for its own instanceUuid? */
export async function createdByUs(vim: VimClient, vm: MoRef): Promise<boolean> {
  const id = await identity(vim, vm);
  return vmMarkedByUs(id.notes, id.instanceUuid);
}

/**
 * After create: binds the mark to the instanceUuid vCenter actually reports (it may not honour
 * the one asked for), so that a re-run recognises the VM and a clone of it does not verify. On
 * update (`recorded` = the instanceUuid in state) it rewrites a mark of an older version, but
 * only on the VM the state names.
 */
export async function markAsOurs(vim: VimClient, vm: MoRef, deadline: number, recorded?: string): Promise<void> {
  const id = await identity(vim, vm);
  if (!id.instanceUuid) throw new Error(`VM ${vm.value}: vCenter reports no instanceUuid, so its ownership mark cannot be bound; check the VM in vSphere`);
  if (recorded && recorded.toLowerCase() !== id.instanceUuid.toLowerCase()) {
    throw new Error(`VM ${vm.value} now has instanceUuid ${id.instanceUuid}, not ${recorded} as recorded: it is not the VM this stack created, so nothing was changed; run \`pulumi refresh\``);
  }
  if (vmMarkedByUs(id.notes, id.instanceUuid)) return;
  await reconfigureVm(vim, vm, { annotation: vmNote(id.instanceUuid, id.notes) }, { deadline });
}

/** Creates the VM as planned, or clones it from the planned template; returns its moref. */
export async function makeVm(vim: VimClient, inputs: OsMachineInputs, plan: NewVmPlan, deadline: number): Promise<MoRef> {
  // The mark goes in with the VM itself, bound to the instanceUuid we ask for, so an interrupted run finds it marked.
  const instanceUuid = randomUUID();
  const { folder, pool, datastore, source } = plan;
  if ("template" in source) {
    return cloneVm(
      vim,
      source.template,
      { name: inputs.name, folder, resourcePool: pool, datastore, numCPUs: inputs.cpus, memoryMB: inputs.memoryMb, annotation: vmNote(instanceUuid), instanceUuid },
      { deadline },
    );
  }
  return createVm(
    vim,
    {
      name: inputs.name,
      folder,
      resourcePool: pool,
      datastore,
      network: source.network,
      guestId: inputs.guestId!,
      numCPUs: inputs.cpus!,
      memoryMB: inputs.memoryMb!,
      diskGB: inputs.diskGb!,
      firmware: inputs.firmware,
      annotation: vmNote(instanceUuid),
      instanceUuid,
    },
    { deadline },
  );
}

/** Makes the VM match the inputs: NICs VMXNet3, CPU, memory, disk size, snapshot, power state. */
export async function converge(vim: VimClient, vm: MoRef, inputs: OsMachineInputs, deadline: number, report: Report, managed = true): Promise<void> {
  let info = await readVm(vim, vm);
  if (managed && info.name !== inputs.name) {
    report(`renaming ${info.name} to ${inputs.name}`);
    await renameEntity(vim, vm, inputs.name, Math.max(1000, deadline - Date.now()));
    info = await readVm(vim, vm);
  }
  const disk = info.disks[0];
  const wantKB = inputs.diskGb === undefined ? 0 : inputs.diskGb * 1024 * 1024;
  const cpuOrMemory = () => (inputs.cpus !== undefined && info.numCPUs !== inputs.cpus) || (inputs.memoryMb !== undefined && info.memoryMB !== inputs.memoryMb);
  const needsConfig = cpuOrMemory() || info.nics.some((n) => n.type !== "VirtualVmxnet3") || (disk !== undefined && disk.capacityKB < wantKB);
  if (needsConfig && info.powerState === "poweredOn") {
    report("shutting the guest down to change its hardware");
    await shutdownGuest(vim, vm, { timeoutMs: Math.max(1000, deadline - Date.now()) });
    info = await readVm(vim, vm);
  }
  const replaced = await ensureVmxnet3(vim, vm, { deadline });
  if (replaced > 0) report(`replaced ${replaced} network adapter(s) by VMXNet3`);
  info = await readVm(vim, vm);
  if (cpuOrMemory()) {
    report(`setting ${inputs.cpus ?? info.numCPUs} CPUs and ${inputs.memoryMb ?? info.memoryMB} MB`);
    await reconfigureVm(vim, vm, { changeVersion: info.changeVersion, numCPUs: inputs.cpus, memoryMB: inputs.memoryMb }, { deadline });
  }
  if (disk !== undefined && disk.capacityKB < wantKB) {
    report(`growing the disk to ${inputs.diskGb} GB`);
    const edited = diskDevice({
      key: disk.key,
      controllerKey: disk.controllerKey ?? 0,
      unitNumber: disk.unitNumber ?? 0,
      capacityKB: wantKB,
      fileName: disk.fileName,
      datastore: info.datastores[0],
      label: disk.label ?? "Hard disk 1",
    });
    await reconfigureVm(vim, vm, { deviceChange: [deviceChange("edit", edited)] }, { deadline });
  }
  info = await readVm(vim, vm);
  // With prepare, the snapshot comes between its phases and the machine ends shut down (prepare/run.ts).
  if (inputs.prepare) return;
  if (inputs.snapshotName && !info.snapshots.some((s) => s.name === inputs.snapshotName)) {
    report(`taking snapshot "${inputs.snapshotName}"`);
    await createSnapshot(vim, vm, inputs.snapshotName, "Taken by pulumi-applayering", { deadline });
  }
  if (inputs.powerState === "poweredOn" && info.powerState !== "poweredOn") {
    report("powering on");
    await powerOn(vim, vm, { deadline });
  } else if (inputs.powerState === "poweredOff" && info.powerState !== "poweredOff") {
    report("shutting the guest down");
    await shutdownGuest(vim, vm, { timeoutMs: Math.max(1000, deadline - Date.now()) });
  }
}
