/**
 * An OsMachine create decided and looked up before its first step: the VM to adopt, the one an
 * earlier run made, or a new one with every inventory object it needs (folder, resource pool,
 * datastore, template or network) found once. A bad path fails before anything is made.
 */
import { DatacenterFolders, MoRef, VimClient, datacenterFolders, findByInventoryPath, joinPath, listObjects, mustFind } from "../vsphere";
import { createdByUs } from "./converge";
import type { OsMachineInputs } from "./types";

export interface NewVmPlan {
  kind: "new";
  /** `DC/vm/folder/name`: where the VM will live. */
  vmPath: string;
  folder: MoRef;
  pool: MoRef;
  datastore: MoRef;
  source: { template: MoRef } | { network: MoRef };
}

export type MachinePlan =
  /** An existing VM the stack manages but never destroys. */
  | { kind: "adopt"; vm: MoRef }
  /** The VM an interrupted earlier run of this stack made (its ownership mark verifies). */
  | { kind: "resume"; vm: MoRef; vmPath: string }
  | NewVmPlan;

async function defaultPool(vim: VimClient, folders: DatacenterFolders): Promise<MoRef> {
  const computes = await listObjects(vim, "ComputeResource", ["resourcePool"], folders.hostFolder);
  const pool = computes.map((c) => c.props.resourcePool).find((x): x is MoRef => !!x && typeof x === "object" && "value" in x);
  if (!pool) throw new Error(`OsMachine.resourcePool: datacenter ${folders.datacenter.value} has no cluster or host; set resourcePool to an inventory path`);
  return pool;
}

export async function planMachine(vim: VimClient, inputs: OsMachineInputs): Promise<MachinePlan> {
  if (inputs.adoptInventoryPath) {
    return { kind: "adopt", vm: await mustFind(vim, inputs.adoptInventoryPath, "VM to adopt (OsMachine.adoptInventoryPath)") };
  }
  const folders = await datacenterFolders(vim, inputs.datacenter).catch((err: unknown) => {
    if (err instanceof Error && /^no datacenter at inventory path/.test(err.message)) throw new Error(`OsMachine.datacenter: ${err.message}`);
    throw err;
  });
  const folderPath = joinPath(inputs.datacenter, "vm", ...(inputs.folder ? inputs.folder.split("/").filter(Boolean) : []));
  const folder = inputs.folder ? await mustFind(vim, folderPath, "VM folder (OsMachine.folder)") : folders.vmFolder;
  const vmPath = joinPath(folderPath, inputs.name);
  const existing = await findByInventoryPath(vim, vmPath);
  if (existing) {
    // A re-run after an interrupted create finds its own VM: a mark bound to this VM's instanceUuid.
    // A bare mark, one typed into a stranger's notes, or one a clone inherited does not verify.
    if (!(await createdByUs(vim, existing))) {
      throw new Error(
        `OsMachine.name: a VM named "${inputs.name}" already exists at ${vmPath} and its notes hold no ownership mark of this stack for it ` +
          `(nothing was changed): set adoptInventoryPath: "${vmPath}" to manage it with this stack (it is then released, never destroyed), or choose another name`,
      );
    }
    return { kind: "resume", vm: existing, vmPath };
  }
  const pool = inputs.resourcePool ? await mustFind(vim, inputs.resourcePool, "resource pool (OsMachine.resourcePool)") : await defaultPool(vim, folders);
  const datastore = await mustFind(vim, joinPath(inputs.datacenter, "datastore", inputs.datastore!), "datastore (OsMachine.datastore)");
  const source = inputs.template
    ? { template: await mustFind(vim, inputs.template, "template (OsMachine.template)") }
    : { network: await mustFind(vim, joinPath(inputs.datacenter, "network", inputs.network!), "network (OsMachine.network)") };
  return { kind: "new", vmPath, folder, pool, datastore, source };
}
