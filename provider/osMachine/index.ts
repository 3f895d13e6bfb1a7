/**
 * The OsMachine reconciler: what the dynamic-provider host calls (through the trampoline) for an
 * OsMachine resource.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ManagedObjectNotFoundError, MoRef, VimClient, destroyVm, inventoryPath, powerOff, readVm } from "../vsphere";
import { PartialFailure, withProvider } from "../errors";
import { reporter } from "../progress";
import { checkOsMachine } from "./check";
import { diffOsMachine, prepareChange } from "./diff";
import { runPrepare, type PrepareContext } from "./prepare/run";
import type { PrepareStepRecord } from "./prepare/types";
import { guestPollMs } from "../config";
import { explained } from "../errorHints";
import { converge, makeVm, markAsOurs } from "./converge";
import { planMachine } from "./plan";
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

export const diff: Provider["diff"] = async (_id, olds, news) => {
  const d = diffOsMachine(olds, news);
  // The preview says which step changed and whether that is an update or a replacement.
  const prep = prepareChange(olds, news);
  if (prep.kind !== "none") reporter("OsMachine", String(news.name))(`${prep.why} (${prep.kind})`);
  return d;
};

async function outputs(vim: VimClient, inputs: OsMachineInputs, vm: MoRef, managed: boolean, steps: PrepareStepRecord[] = []): Promise<OsMachineOutputs> {
  return plain(outputsOf(inputs, await readVm(vim, vm), await inventoryPath(vim, vm), managed, inputs.prepare ? steps : []));
}

/** The preparation inside Windows, when the program asks for one (after the VM's hardware is right). */
async function prepareVm(vim: VimClient, vm: MoRef, inputs: OsMachineInputs, deadline: number, report: (m: string) => void, ctx: PrepareContext): Promise<void> {
  if (!inputs.prepare) return;
  ctx.pollMs ??= guestPollMs();
  // Explained here: the caller wraps the message into a PartialFailure before withVim would.
  await explained(() => runPrepare(vim, vm, inputs.name, inputs.prepare!, inputs.snapshotName!, deadline, report, ctx));
}

const recordedSteps = (props: object | undefined): PrepareStepRecord[] => {
  const steps = (props as { prepareSteps?: unknown } | undefined)?.prepareSteps;
  return Array.isArray(steps) ? (steps as PrepareStepRecord[]).map((r) => ({ ...r })) : [];
};

export const create: Provider["create"] = async (raw) => {
  const inputs = checkOsMachine(raw).inputs;
  const report = reporter("OsMachine", inputs.name);
  const deadline = deadlineOf(inputs);
  return withVim(async (vim) => {
    // Every inventory lookup first: a bad path, or a stranger's VM in the way, changes nothing.
    const plan = await planMachine(vim, inputs);
    const managed = plan.kind !== "adopt";
    let vm: MoRef;
    if (plan.kind === "adopt") {
      vm = plan.vm;
      report(`adopting ${inputs.adoptInventoryPath} (${vm.value}); it will be released, never destroyed`);
    } else if (plan.kind === "resume") {
      vm = plan.vm;
      report(`found ${plan.vmPath} (${vm.value}) from an earlier run; continuing with it`);
    } else {
      report(inputs.template ? `cloning ${inputs.template}` : "creating the VM");
      vm = await makeVm(vim, inputs, plan, deadline);
    }
    const prep: PrepareContext = { records: [] };
    try {
      if (managed) await markAsOurs(vim, vm, deadline);
      await converge(vim, vm, inputs, deadline, report, managed);
      await prepareVm(vim, vm, inputs, deadline, report, prep);
      return { id: vm.value, outs: await outputs(vim, inputs, vm, managed, prep.records) };
    } catch (err) {
      const outs = await outputs(vim, inputs, vm, managed, prep.records).catch(() => ({ ...inputs, moref: vm.value, managed, prepareSteps: prep.records }));
      throw new PartialFailure(vm.value, withProvider(raw, outs), err instanceof Error ? err.message : String(err));
    }
  });
};

export const read: Provider["read"] = async (id, props) => {
  const inputs = checkOsMachine(props ?? {}).inputs;
  return withVim(async (vim) => {
    try {
      return { id, props: await outputs(vim, inputs, vmRef(id), props?.managed !== false, recordedSteps(props)) };
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
    const prep: PrepareContext = { records: recordedSteps(olds) };
    try {
      await converge(vim, vm, inputs, deadlineOf(inputs), report, managed);
      await prepareVm(vim, vm, inputs, deadlineOf(inputs), report, prep);
    } catch (err) {
      if (err instanceof ManagedObjectNotFoundError) {
        throw new Error(`OsMachine ${inputs.name}: VM ${id} no longer exists in vSphere: run \`pulumi refresh\` so that the next \`pulumi up\` creates it again`, { cause: err });
      }
      const outs = await outputs(vim, inputs, vm, managed, prep.records).catch(() => olds);
      throw new PartialFailure(id, withProvider(news, outs), err instanceof Error ? err.message : String(err));
    }
    return { outs: await outputs(vim, inputs, vm, managed, prep.records) };
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
