/**
 * One `preview` or `up`: the engine's step executor. Registrations arrive from a program (a real
 * Pulumi program through the resource monitor, or a declaration list through declarations.ts) and
 * each is stepped as soon as it arrives, concurrently with the others, up to `parallel` at once, as
 * the engine's step executor does: a program registers a resource only once the outputs it
 * references are resolved, so dependents always follow their dependencies. When the program is
 * done, the deletes run (resources gone from the program, old halves of create-before-delete
 * replacements), each after the deletes of its dependents, independent ones concurrently.
 *
 * Per resource: Check(olds = old inputs, news) -> Diff(id, old outputs, checked, old inputs) ->
 * same | create | update | replace (Check again with no olds; create-before-delete unless
 * deleteBeforeReplace, which first deletes the dependents its replacement would replace). The host answers `supportsPreview=false`, so a preview runs Check and Diff
 * only and predicts a changing resource's outputs as its inputs. The host answers
 * `acceptSecrets=false`, so secrets are stripped before every call and re-marked on results by
 * property name, plus `additionalSecretOutputs`.
 *
 * After the first failure no new step starts; steps in flight finish (and are checkpointed), then
 * the operation fails with that first error, as the engine does without --continue-on-error.
 */
import { changedKeys } from "./compare";
import { StackConfig } from "./config";
import { HostCallError } from "./errors";
import { DynamicProviderHost, ResourceRef } from "./host";
import { applyIgnoreChanges } from "./ignoreChanges";
import { Plan, StepOp, StepReport } from "./plan";
import { annotateSecrets, containsUnknowns, markSecretOutputs, stripSecretsMap } from "./secrets";
import { PendingOperation, ResourceState, StackState, StateFile } from "./state";
import { Semaphore } from "./semaphore";
import { nameOfUrn } from "./urn";
import { PropertyMap, UNKNOWN } from "./wire";

/** The engine options a registration carries (RegisterResourceRequest's fields). */
export interface RegistrationOptions {
  protect?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  ignoreChanges?: string[];
  additionalSecretOutputs?: string[];
}

export interface Registration {
  urn: string;
  type: string;
  name: string;
  /** Wire values, `__provider` included, secrets marked; unknowns only in a preview. */
  inputs: PropertyMap;
  /** URNs this resource depends on (references and `dependsOn`). */
  dependencies: string[];
  /** Input key -> the URNs its value came from. */
  propertyDependencies?: { [key: string]: string[] };
  options: RegistrationOptions;
  /** A read of an existing object (`get`) instead of a managed resource. */
  getId?: string;
  /** Position in the program: plan steps are listed in this order. */
  seq: number;
}

export interface Registered {
  urn: string;
  /** "" for a resource a preview will create (the SDK makes it unknown). */
  id: string;
  outputs: PropertyMap;
  /** Preview only: the resource will change, so `outputs` are its predicted inputs. */
  predicted: boolean;
}

/** An operation stopped on an error; `plan` holds the steps done (or planned) before it. */
export class OperationError extends Error {
  constructor(message: string, readonly plan: Plan, readonly urn?: string, override readonly cause?: unknown) {
    super(message);
    this.name = "OperationError";
  }
}

interface Decision {
  op: StepOp;
  unknownKeys: string[];
  inputs: PropertyMap;
  diffKeys: string[];
  replaceKeys: string[];
  deleteBeforeReplace: boolean;
}

interface Failure {
  message: string;
  urn?: string;
  cause: unknown;
}

type Base = Omit<ResourceState, "id" | "inputs" | "outputs">;

/** A step with its place in the listing: the program's order for its resources, then deletes. */
export interface OrderedStep {
  seq: number;
  step: StepReport;
}

/** The parts of one operation shared by deploy, refresh and destroy: plan, failure, step order. */
export class Operation {
  readonly steps: OrderedStep[] = [];
  private failure: Failure | undefined;
  /** Provider calls in flight that change something, by URN: pending operations until they end. */
  private readonly inflightOps = new Map<string, PendingOperation["type"]>();
  /** Writes the checkpoint (each kind of operation its own way). */
  persist: () => void = () => undefined;

  constructor(readonly plan: Plan, readonly host: DynamicProviderHost, readonly config: StackConfig) {}

  get failed(): boolean {
    return this.failure !== undefined;
  }

  record(seq: number, step: StepReport): void {
    this.steps.push({ seq, step });
  }

  /** Runs `f` as one step: its first error fails the operation (later ones are dropped). */
  async step<T>(urn: string | undefined, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (!this.failure) {
        const message = e instanceof Error ? e.message : String(e);
        this.failure = { message: `${this.plan.operation} failed${urn ? ` at ${urn}` : ""}: ${message}`, urn, cause: e };
      }
      throw e;
    }
  }

  /** The steps in listing order, the host's output attached; throws the first failure if any. */
  async finish(): Promise<Plan> {
    this.plan.steps.splice(0, this.plan.steps.length, ...[...this.steps].sort((a, b) => a.seq - b.seq).map((s) => s.step));
    // The host writes to its pipes before answering, but stdout and stderr are read
    // independently here: give the pipes a moment to be drained.
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.plan.log.push(...this.host.takeLines());
    if (this.failure) throw new OperationError(this.failure.message, this.plan, this.failure.urn, this.failure.cause);
    return this.plan;
  }

  /** Fails the operation with an error of its own (not a step's), e.g. the program's exit. */
  fail(message: string, cause?: unknown): void {
    if (!this.failure) this.failure = { message: `${this.plan.operation} failed: ${message}`, cause };
  }

  get firstFailure(): string | undefined {
    return this.failure?.message;
  }

  /** Delete RPC with the stored outputs (and so the stored `__provider`), unless retained or external. */
  async deleteOne(r: ResourceState): Promise<void> {
    if (r.retainOnDelete || r.external) return;
    const ref: ResourceRef = { urn: r.urn, name: nameOfUrn(r.urn), type: r.type };
    await this.tracked(r.urn, "deleting", () => this.host.delete(ref, r.id, stripSecretsMap(r.outputs), stripSecretsMap(r.inputs)));
  }

  /**
   * A create, update or delete, checkpointed as a pending operation while it runs (as the engine
   * journals a step's start). When it ends, the caller's next checkpoint drops it; a failure drops
   * it at once. Only the engine's own death leaves it in the state.
   */
  async tracked<T>(urn: string, type: PendingOperation["type"], f: () => Promise<T>): Promise<T> {
    this.inflightOps.set(urn, type);
    this.persist();
    try {
      const result = await f();
      this.inflightOps.delete(urn);
      return result;
    } catch (e) {
      this.inflightOps.delete(urn);
      this.persist();
      throw e;
    }
  }

  /** The pending operations a checkpoint carries: those left by earlier runs, then this run's. */
  pendingOperations(inherited: PendingOperation[] = []): PendingOperation[] | undefined {
    const all = [...inherited, ...[...this.inflightOps].map(([urn, type]) => ({ urn, type }))];
    return all.length > 0 ? all : undefined;
  }
}

/**
 * Runs `work` for each entry after the work of every entry that depends on it (dependents first,
 * as deletes go), independent entries concurrently. `order` breaks no ties: it only lists them.
 */
export async function dependentsFirst(entries: ResourceState[], work: (r: ResourceState) => Promise<void>, slots: Semaphore): Promise<void> {
  const done = new Map<ResourceState, Promise<void>>();
  const run = (r: ResourceState): Promise<void> => {
    let p = done.get(r);
    if (!p) {
      const dependents = entries.filter((d) => d !== r && d.dependencies.includes(r.urn));
      p = Promise.allSettled(dependents.map(run)).then(async (results) => {
        if (results.some((x) => x.status === "rejected")) throw new Error(`a dependent of ${r.urn} was not deleted`);
        await slots.run(() => work(r));
      });
      done.set(r, p);
    }
    return p;
  };
  const results = await Promise.allSettled(entries.map(run));
  const failed = results.find((x) => x.status === "rejected") as PromiseRejectedResult | undefined;
  if (failed) throw failed.reason;
}

export class Deployment extends Operation {
  private readonly old: StackState;
  private readonly oldByUrn: Map<string, ResourceState>;
  /** This run's entries, each with its registration's place: the state lists them in program order. */
  private readonly next: { seq: number; entry: ResourceState }[] = [];
  /** URNs whose old entry is no longer current (superseded in `next`, or deleted). */
  private readonly handled = new Set<string>();
  private readonly declared = new Set<string>();
  private readonly pendingDeletes: ResourceState[];
  /** Old entry -> its pending-delete copy, for create-before-delete replacements made in this run. */
  private readonly replaced = new Map<ResourceState, ResourceState>();
  private readonly inflight = new Set<Promise<unknown>>();
  /**
   * Dependents deleted ahead of a delete-before-replace (URN -> the keys their Diff said replace).
   * One that registers again is re-created as a replacement; one that does not stays deleted.
   */
  private readonly condemned = new Map<string, string[]>();
  private readonly slots: Semaphore;
  private stackOutputs: PropertyMap | undefined;
  private configured: Promise<unknown> | undefined;

  constructor(
    plan: Plan,
    host: DynamicProviderHost,
    config: StackConfig,
    private readonly file: StateFile,
    parallel: number,
  ) {
    super(plan, host, config);
    this.old = file.load();
    this.oldByUrn = new Map(this.old.resources.filter((r) => !r.pendingDelete).map((r) => [r.urn, r]));
    this.pendingDeletes = this.old.resources.filter((r) => r.pendingDelete);
    this.slots = new Semaphore(parallel);
    this.stackOutputs = this.old.outputs;
    this.persist = () => this.save();
  }

  private get dryRun(): boolean {
    return this.plan.dryRun;
  }

  /** Configure, as the engine does when it loads the default provider (once per operation). */
  configure(): Promise<unknown> {
    this.configured ??= this.step(undefined, () => this.host.configure(this.config));
    return this.configured;
  }

  /** The checkpoint after each step: what this run produced, then what it has not touched yet. */
  private snapshot(): StackState {
    const untouched = this.old.resources.filter((r) => !r.pendingDelete && !this.handled.has(r.urn));
    const ours = [...this.next].sort((a, b) => a.seq - b.seq).map((n) => n.entry);
    const s: StackState = { resources: [...ours, ...untouched, ...this.pendingDeletes] };
    if (this.stackOutputs) s.outputs = this.stackOutputs;
    const pending = this.pendingOperations(this.old.pendingOperations);
    if (pending) s.pendingOperations = pending;
    return s;
  }

  private save(): void {
    if (!this.dryRun) this.file.save(this.snapshot());
  }

  /** The stack's exports (RegisterResourceOutputs on the stack), kept with the state by an `up`. */
  setStackOutputs(outputs: PropertyMap): void {
    this.stackOutputs = outputs;
    this.save();
  }

  register(reg: Registration): Promise<Registered> {
    const p = this.registerOne(reg);
    this.inflight.add(p);
    const forget = (): void => void this.inflight.delete(p);
    p.then(forget, forget);
    return p;
  }

  private async registerOne(reg: Registration): Promise<Registered> {
    if (this.failed) throw new Error(`not started: ${this.firstFailure}`);
    if (this.declared.has(reg.urn)) {
      return this.step(reg.urn, async () => {
        throw new Error(`duplicate resource name "${reg.name}"`);
      });
    }
    this.declared.add(reg.urn);
    await this.configure();
    return this.slots.run(() => {
      if (this.failed) throw new Error(`not started: ${this.firstFailure}`);
      return this.step(reg.urn, () => this.stepOne(reg));
    });
  }

  private async stepOne(reg: Registration): Promise<Registered> {
    const { urn } = reg;
    const ref: ResourceRef = { urn, name: reg.name, type: reg.type };
    if (!this.dryRun && containsUnknowns(reg.inputs)) {
      throw new Error(`${reg.name}: an input is still unknown during up (only a preview may see unknowns)`);
    }
    const prior = this.oldByUrn.get(urn);
    const push = (e: ResourceState): void => {
      const i = this.next.findIndex((n) => n.entry.urn === urn);
      if (i >= 0) this.next.splice(i, 1); // a partial failure recorded first, then the outcome
      this.next.push({ seq: reg.seq, entry: e });
      this.handled.add(urn);
      this.save();
    };
    if (reg.getId !== undefined) {
      const entry = await this.readExternal(ref, reg);
      this.record(reg.seq, report(urn, reg.name, "read", [], []));
      if (!this.dryRun) push(entry);
      return { urn, id: entry.id, outputs: entry.outputs, predicted: false };
    }
    const d = await this.decide(ref, reg, prior);
    const step = report(urn, reg.name, d.op, d.diffKeys, d.replaceKeys, d.op === "replace" ? d.deleteBeforeReplace : undefined);
    if (d.unknownKeys.length > 0) step.unknownKeys = d.unknownKeys;
    this.record(reg.seq, step);
    const base: Base = { urn, type: reg.type, dependencies: reg.dependencies, ...propertyDependenciesOf(reg), ...optionsOf(reg.options) };
    if (d.op === "replace" && d.deleteBeforeReplace && prior && !this.condemned.has(urn)) await this.deleteDependents(prior);
    if (this.dryRun) {
      if (d.op === "same" && prior) return { urn, id: prior.id, outputs: prior.outputs, predicted: false };
      return { urn, id: d.op === "update" && prior ? prior.id : "", outputs: d.inputs, predicted: true };
    }
    if (d.op === "same" && prior) {
      const entry: ResourceState = { ...base, id: prior.id, inputs: d.inputs, outputs: markSecretOutputs(prior.outputs, reg.options.additionalSecretOutputs) };
      push(entry);
      return { urn, id: entry.id, outputs: entry.outputs, predicted: false };
    }
    if (d.op === "replace" && prior) {
      // decide() refused a protected resource that stays protected; one being unprotected in this
      // same run may be replaced (as the engine allows), so its old half is deleted regardless.
      if (d.deleteBeforeReplace) {
        if (!this.condemned.has(urn)) await this.deleteOne(prior);
        this.handled.add(urn);
      } else {
        const pending: ResourceState = { ...prior, pendingDelete: true };
        delete pending.protect;
        this.replaced.set(prior, pending);
        this.pendingDeletes.push(pending);
        this.handled.add(urn);
      }
      this.save();
    }
    const entry = d.op === "update" && prior
      ? await this.applyUpdate(ref, reg, prior, d.inputs, base, push)
      : await this.applyCreate(ref, reg, d.inputs, base, push);
    push(entry);
    return { urn, id: entry.id, outputs: entry.outputs, predicted: false };
  }

  /** Waits for the steps in flight, then runs the deletes; the plan, or the first failure. */
  async complete(): Promise<Plan> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    if (!this.failed) await this.deletes();
    return this.finish();
  }

  /**
   * Resources gone from the program and the old halves of replacements (this run's and any left by
   * an earlier run), each after its dependents. Listed in the reverse of the old snapshot's order.
   */
  private async deletes(): Promise<void> {
    const deletions: ResourceState[] = [];
    for (const r of [...this.old.resources].reverse()) {
      if (r.pendingDelete || !this.declared.has(r.urn)) deletions.push(r);
      else if (this.replaced.has(r)) deletions.push(this.replaced.get(r)!);
    }
    const base = 1_000_000;
    deletions.forEach((r, i) => {
      if (!r.pendingDelete) this.record(base + i, report(r.urn, nameOfUrn(r.urn), "delete", [], []));
    });
    await dependentsFirst(deletions, (r) => this.step(r.urn, async () => {
      if (r.protect) throw new Error(`${r.urn} is protected: remove \`protect\` (run up with it off) before deleting it`);
      if (this.dryRun) return;
      if (!this.condemned.has(r.urn)) await this.deleteOne(r);
      if (r.pendingDelete) this.pendingDeletes.splice(this.pendingDeletes.indexOf(r), 1);
      else this.handled.add(r.urn);
      this.save();
    }), this.slots).catch(() => undefined);
  }

  /**
   * Before a delete-before-replace deletes `root`, the engine deletes the resources that depend on
   * it and would be replaced by its replacement: walking its transitive dependents in the old
   * state's (dependency) order, each whose inputs come from a condemned resource is diffed with
   * those inputs unknown; a replace condemns it too. Then they are deleted, dependents first. Only
   * resources this run has not registered yet can be among them (one registered already does not
   * depend on `root`, since a program registers dependents after their dependencies).
   */
  private async deleteDependents(root: ResourceState): Promise<void> {
    const live = this.old.resources.filter((r) => !r.pendingDelete && !this.declared.has(r.urn) && !this.condemned.has(r.urn));
    const reached = new Set([root.urn]);
    const dependents: ResourceState[] = [];
    for (const r of live) {
      if (r.dependencies.some((u) => reached.has(u))) {
        reached.add(r.urn);
        dependents.push(r);
      }
    }
    const replaceSet = new Set([root.urn]);
    const doomed: ResourceState[] = [];
    for (const r of dependents) {
      if (r.external) continue;
      const inputsForDiff: PropertyMap = { ...r.inputs };
      let touched = false;
      for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) {
        if (key in inputsForDiff && urns.some((u) => replaceSet.has(u))) {
          inputsForDiff[key] = UNKNOWN;
          touched = true;
        }
      }
      if (!touched) continue;
      const ref: ResourceRef = { urn: r.urn, name: nameOfUrn(r.urn), type: r.type };
      const diff = await this.host.diff(ref, r.id, stripSecretsMap(r.outputs), stripSecretsMap(inputsForDiff), stripSecretsMap(r.inputs), []);
      if (diff.replaces.length === 0) continue;
      if (r.protect) {
        throw new Error(`${r.urn} is protected and would be replaced as part of replacing ${root.urn} (delete before replace); unprotect it first`);
      }
      replaceSet.add(r.urn);
      doomed.push(r);
      this.condemned.set(r.urn, [...diff.replaces].sort());
    }
    for (const r of doomed.reverse()) {
      if (this.dryRun) continue;
      await this.deleteOne(r);
      this.handled.add(r.urn);
      this.save();
    }
  }

  /** Check and Diff: what the engine decides for one resource (the same in preview and up). */
  private async decide(ref: ResourceRef, reg: Registration, prior: ResourceState | undefined): Promise<Decision> {
    const ignore = reg.options.ignoreChanges ?? [];
    const condemned = this.condemned.get(ref.urn);
    if (prior && condemned) {
      // Deleted ahead of a dependency's delete-before-replace: re-created as its replacement, with
      // no olds (they were deleted) and the keys its Diff named then.
      const checked = await this.check(ref, {}, reg.inputs, undefined);
      const unknownKeys = Object.keys(checked).filter((k) => containsUnknowns(checked[k])).sort();
      return { op: "replace", unknownKeys, inputs: checked, diffKeys: changedKeys(prior.inputs, checked), replaceKeys: condemned, deleteBeforeReplace: true };
    }
    const news = prior ? applyIgnoreChanges(reg.inputs, prior.inputs, ignore) : reg.inputs;
    const checked = await this.check(ref, prior ? prior.inputs : {}, news, prior?.outputs);
    const unknownKeys = Object.keys(checked).filter((k) => containsUnknowns(checked[k])).sort();
    const decision = (op: StepOp, inputs: PropertyMap, diffKeys: string[], replaceKeys: string[], deleteBeforeReplace = false): Decision =>
      ({ op, unknownKeys, inputs, diffKeys, replaceKeys, deleteBeforeReplace });
    if (!prior) return decision("create", checked, [], []);

    const diff = await this.host.diff(ref, prior.id, stripSecretsMap(prior.outputs), stripSecretsMap(checked), stripSecretsMap(prior.inputs), ignore);
    const diffKeys = changedKeys(prior.inputs, checked);
    // DIFF_UNKNOWN (no diff() in the provider): the engine compares old and new inputs itself.
    let changes = diff.changes === "unknown" ? (diffKeys.length > 0 ? "some" : "none") : diff.changes;
    // A resource recorded with init errors (a partial failure) is updated until it succeeds.
    if (changes === "none" && prior.initErrors && prior.initErrors.length > 0) changes = "some";
    if (changes === "none") return decision("same", checked, [], []);
    if (diff.replaces.length === 0) return decision("update", checked, diffKeys, []);

    if (prior.protect && reg.options.protect) {
      throw new Error(`${ref.urn} is protected and its diff requires a replacement (${diff.replaces.join(", ")}); unprotect it first`);
    }
    // A replacement is a new object: Check again without olds, as the engine does (new auto-names).
    const rechecked = await this.check(ref, {}, news, undefined);
    return decision("replace", rechecked, diffKeys, [...diff.replaces].sort(), diff.deleteBeforeReplace || Boolean(reg.options.deleteBeforeReplace));
  }

  private async check(ref: ResourceRef, olds: PropertyMap, news: PropertyMap, oldOutputs: PropertyMap | undefined): Promise<PropertyMap> {
    const res = await this.host.check(ref, stripSecretsMap(olds), stripSecretsMap(news), oldOutputs && stripSecretsMap(oldOutputs));
    if (res.failures.length > 0) {
      const lines = res.failures.map((f) => `  ${f.property || "(resource)"}: ${f.reason}`).join("\n");
      throw new Error(`Check failed:\n${lines}`);
    }
    return annotateSecrets(res.inputs, news);
  }

  private outputsOf(reg: Registration, properties: PropertyMap, inputs: PropertyMap): PropertyMap {
    return markSecretOutputs(annotateSecrets(properties, inputs), reg.options.additionalSecretOutputs);
  }

  private async applyCreate(ref: ResourceRef, reg: Registration, inputs: PropertyMap, base: Base, recordPartial: (e: ResourceState) => void): Promise<ResourceState> {
    try {
      const res = await this.tracked(ref.urn, "creating", () => this.host.create(ref, stripSecretsMap(inputs), { preview: false }));
      return { ...base, id: res.id, inputs, outputs: this.outputsOf(reg, res.properties, inputs) };
    } catch (e) {
      this.recordInitFailure(e, reg, inputs, base, recordPartial);
      throw e;
    }
  }

  private async applyUpdate(
    ref: ResourceRef,
    reg: Registration,
    prior: ResourceState,
    inputs: PropertyMap,
    base: Base,
    recordPartial: (e: ResourceState) => void,
  ): Promise<ResourceState> {
    try {
      const outs = await this.tracked(ref.urn, "updating", () =>
        this.host.update(ref, prior.id, stripSecretsMap(prior.outputs), stripSecretsMap(inputs), stripSecretsMap(prior.inputs), {
          preview: false,
          ignoreChanges: reg.options.ignoreChanges ?? [],
        }),
      );
      return { ...base, id: prior.id, inputs, outputs: this.outputsOf(reg, outs, inputs) };
    } catch (e) {
      this.recordInitFailure(e, reg, inputs, base, recordPartial);
      throw e;
    }
  }

  /**
   * StatusPartialFailure: the object exists. The engine records it with the id and the properties
   * from the error as its outputs (note: the host does not add `__provider` to them) and the reasons
   * as init errors; the operation still fails.
   */
  private recordInitFailure(e: unknown, reg: Registration, inputs: PropertyMap, base: Base, record: (e: ResourceState) => void): void {
    if (!(e instanceof HostCallError) || !e.initFailure) return;
    const f = e.initFailure;
    record({ ...base, id: f.id, inputs, outputs: this.outputsOf(reg, f.properties, inputs), initErrors: f.reasons });
  }

  private async readExternal(ref: ResourceRef, reg: Registration): Promise<ResourceState> {
    const id = reg.getId ?? "";
    const res = await this.host.read(ref, id, undefined, stripSecretsMap(reg.inputs));
    if (!res.id) throw new Error(`${ref.urn}: get: no object with id "${id}"`);
    return {
      urn: ref.urn,
      type: ref.type,
      id: res.id,
      inputs: res.inputs ? annotateSecrets(res.inputs, reg.inputs) : reg.inputs,
      outputs: this.outputsOf(reg, res.properties, reg.inputs),
      dependencies: reg.dependencies,
      external: true,
      ...optionsOf(reg.options),
    };
  }
}

export function report(urn: string, name: string, op: StepOp, diffKeys: string[], replaceKeys: string[], deleteBeforeReplace?: boolean): StepReport {
  const r: StepReport = { urn, name, op, diffKeys, replaceKeys };
  if (deleteBeforeReplace !== undefined) r.deleteBeforeReplace = deleteBeforeReplace;
  return r;
}

function propertyDependenciesOf(reg: Registration): Pick<ResourceState, "propertyDependencies"> {
  const deps = Object.entries(reg.propertyDependencies ?? {}).filter(([, urns]) => urns.length > 0);
  return deps.length > 0 ? { propertyDependencies: Object.fromEntries(deps) } : {};
}

function optionsOf(o: RegistrationOptions): Pick<ResourceState, "protect" | "retainOnDelete" | "additionalSecretOutputs"> {
  const r: Pick<ResourceState, "protect" | "retainOnDelete" | "additionalSecretOutputs"> = {};
  if (o.protect) r.protect = true;
  if (o.retainOnDelete) r.retainOnDelete = true;
  if (o.additionalSecretOutputs?.length) r.additionalSecretOutputs = [...o.additionalSecretOutputs];
  return r;
}
