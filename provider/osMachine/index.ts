/**
 * The OsMachine reconciler: what the dynamic-provider host calls (through the trampoline) for an
 * OsMachine resource.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ManagedObjectNotFoundError, MoRef, VimClient, destroyVm, inventoryPath, mustFind, powerOff, readVm } from "../vsphere";
import { PartialFailure, withProvider } from "../errors";
import { reporter } from "../progress";
import { checkOsMachine } from "./check";
import { diffOsMachine } from "./diff";
import { converge, createdByUs, findByInventoryPath, makeVm, markAsOurs, placement } from "./converge";
import { outputsOf } from "./state";
import type { OsMachineInputs, OsMachineOutputs } from "./types";
import { withVim } from "../vim";
import { plain } from "../wire";
import type { Reconciler } from "../reconciler";

type Provider = Reconciler<OsMachineInputs, OsMachineOutputs>;

const vmRef = (id: string): MoRef => ({ type: "VirtualMachine", value: id });
const deadlineOf = (inputs: OsMachineInputs) => Date.now() + inputs.operationTimeout * 60_000;

// check() takes the program's values as they come (any shape); the others what check() made of them.
export const check = async (olds: object, news: object): Promise<pulumi.dynamic.CheckResult<OsMachineInputs>> => checkOsMachine(news, olds);

export const diff: Provider["diff"] = async (_id, olds, news) => diffOsMachine(olds, news);

async function outputs(vim: VimClient, inputs: OsMachineInputs, vm: MoRef, managed: boolean): Promise<OsMachineOutputs> {
  return plain(outputsOf(inputs, await readVm(vim, vm), await inventoryPath(vim, vm), managed));
}

export const create: Provider["create"] = async (raw) => {
  const inputs = checkOsMachine(raw).inputs;
  const report = reporter("OsMachine", inputs.name);
  const deadline = deadlineOf(inputs);
  return withVim(async (vim) => {
    let vm: MoRef;
    let managed = true;
    if (inputs.adoptInventoryPath) {
      vm = await mustFind(vim, inputs.adoptInventoryPath, "VM to adopt (OsMachine.adoptInventoryPath)");
      managed = false;
      report(`adopting ${inputs.adoptInventoryPath} (${vm.value}); it will be released, never destroyed`);
    } else {
      const p = await placement(vim, inputs);
      const existing = await findByInventoryPath(vim, p.vmPath);
      if (existing) {
        // A re-run after an interrupted create finds its own VM: a mark bound to this VM's instanceUuid.
        // A bare mark, one typed into a stranger's notes, or one a clone inherited does not verify.
        if (!(await createdByUs(vim, existing))) {
          throw new Error(
            `OsMachine.name: a VM named "${inputs.name}" already exists at ${p.vmPath} and its notes hold no ownership mark of this stack for it ` +
              `(nothing was changed): set adoptInventoryPath: "${p.vmPath}" to manage it with this stack (it is then released, never destroyed), or choose another name`,
          );
        }
        report(`found ${p.vmPath} (${existing.value}) from an earlier run; continuing with it`);
        vm = existing;
      } else {
        report(inputs.template ? `cloning ${inputs.template}` : "creating the VM");
        vm = await makeVm(vim, inputs, p, deadline);
      }
    }
    try {
      if (managed) await markAsOurs(vim, vm, deadline);
      await converge(vim, vm, inputs, deadline, report, managed);
      return { id: vm.value, outs: await outputs(vim, inputs, vm, managed) };
    } catch (err) {
      const outs = await outputs(vim, inputs, vm, managed).catch(() => ({ ...inputs, moref: vm.value, managed }));
      throw new PartialFailure(vm.value, withProvider(raw, outs), err instanceof Error ? err.message : String(err));
    }
  });
};

export const read: Provider["read"] = async (id, props) => {
  const inputs = checkOsMachine(props ?? {}).inputs;
  return withVim(async (vim) => {
    try {
      return { id, props: await outputs(vim, inputs, vmRef(id), props?.managed !== false) };
    } catch (err) {
      if (err instanceof ManagedObjectNotFoundError) return {};
      throw err;
    }
  });
};

export const update: Provider["update"] = async (id, olds, news) => {
  const inputs = checkOsMachine(news).inputs;
  const managed = olds.managed !== false;
  const report = reporter("OsMachine", inputs.name);
  return withVim(async (vim) => {
    const vm = vmRef(id);
    // Before the try: on a VM that is not the one in state, nothing is changed or recorded.
    if (managed) await markAsOurs(vim, vm, deadlineOf(inputs), typeof olds.instanceUuid === "string" ? olds.instanceUuid : undefined).catch((err: unknown) => {
      if (err instanceof ManagedObjectNotFoundError) return; // reported below, with the fix
      throw err;
    });
    try {
      await converge(vim, vm, inputs, deadlineOf(inputs), report, managed);
    } catch (err) {
      if (err instanceof ManagedObjectNotFoundError) {
        throw new Error(`OsMachine ${inputs.name}: VM ${id} no longer exists in vSphere: run \`pulumi refresh\` so that the next \`pulumi up\` creates it again`, { cause: err });
      }
      const outs = await outputs(vim, inputs, vm, managed).catch(() => olds);
      throw new PartialFailure(id, withProvider(news, outs), err instanceof Error ? err.message : String(err));
    }
    return { outs: await outputs(vim, inputs, vm, managed) };
  });
};

const deleteImpl: Provider["delete"] = async (id, props) => {
  if (props.managed === false) return; // adopted: released, never destroyed
  const inputs = checkOsMachine(props).inputs;
  const report = reporter("OsMachine", inputs.name);
  await withVim(async (vim) => {
    const vm = vmRef(id);
    try {
      // A moref names a slot, not a VM: destroy only the VM this stack recorded (same instanceUuid).
      const recorded = typeof props.instanceUuid === "string" ? props.instanceUuid : "";
      const now = (await readVm(vim, vm)).instanceUuid ?? "";
      if (recorded && now.toLowerCase() !== recorded.toLowerCase()) {
        throw new Error(
          `OsMachine ${inputs.name}: VM ${id} now has instanceUuid ${now || "(none)"}, not ${recorded} as recorded: it is not the VM this stack created, so nothing was destroyed; ` +
            "run `pulumi refresh`, or `pulumi state delete` this resource to forget it",
        );
      }
      await powerOff(vim, vm);
      report("destroying the VM");
      await destroyVm(vim, vm, { deadline: deadlineOf(inputs) });
    } catch (err) {
      if (err instanceof ManagedObjectNotFoundError) return; // already gone
      throw err;
    }
  });
};
export { deleteImpl as delete };

/** The module is the provider the trampoline calls; this holds it to the SDK's type (at compile time). */
export default { check, diff, create, read, update, delete: deleteImpl } satisfies Provider;
