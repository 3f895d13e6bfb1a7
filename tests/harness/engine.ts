/**
 * A mini Pulumi engine for dynamic resources: `preview`, `up`, `refresh` and `destroy` over a program
 * (program.ts), calling the dynamic-provider host in the order and with the messages the real engine
 * uses (step_generator.go / step.go / provider_plugin.go), and keeping a JSON state file.
 *
 * Per resource, in program order:
 *   Check(olds = old inputs, news) -> Diff(id, old outputs, checked, old inputs) -> same | create |
 *   update | replace (Check again with no olds; create-before-delete unless deleteBeforeReplace)
 * then deletes of resources no longer in the program (and the old halves of replacements), in
 * reverse dependency order. The host answers `supportsPreview=false`, so a preview runs Check and
 * Diff only and predicts a changing resource's outputs as its inputs (anything else is unknown).
 * The host answers `acceptSecrets=false`, so secrets are stripped before every call and re-marked
 * on results by property name, plus `additionalSecretOutputs`.
 *
 * Steps run one at a time (the engine runs independent steps in parallel); deleteBeforeReplace does
 * not compute dependent replacements.
 */
import { changedKeys } from "./compare";
import { StackConfig } from "./config";
import { HostCallError } from "./errors";
import { DynamicProviderHost, ResourceRef } from "./host";
import { applyIgnoreChanges } from "./ignoreChanges";
import { OperationKind, Plan, StepOp, StepReport } from "./plan";
import { Program, ResourceDeclaration, serializeProvider } from "./program";
import { LiveResource, resolveInputs } from "./resolve";
import { annotateSecrets, containsUnknowns, markSecretOutputs, stripSecretsMap } from "./secrets";
import { ResourceState, StackState, StateFile } from "./state";
import { makeUrn, nameOfUrn } from "./urn";
import { makeSecret, PropertyMap, PROVIDER_KEY } from "./wire";

export interface EngineOptions {
  host: DynamicProviderHost;
  /** The JSON state file; created on the first `up`. */
  stateFile: string;
  /** Encrypts secrets in the state file. Default `PULUMI_CONFIG_PASSPHRASE` or "harness". */
  passphrase?: string;
  /** The stack config sent with Configure; default: the config the host was started with. */
  config?: StackConfig;
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

export class Engine {
  readonly host: DynamicProviderHost;
  readonly stateFile: string;
  private readonly file: StateFile;
  private readonly config: StackConfig;

  constructor(opts: EngineOptions) {
    this.host = opts.host;
    this.stateFile = opts.stateFile;
    this.file = new StateFile(opts.stateFile, opts.passphrase ?? process.env.PULUMI_CONFIG_PASSPHRASE ?? "harness");
    this.config = opts.config ?? opts.host.config;
  }

  /** The state as stored (secrets decrypted back into wire secrets). */
  state(): StackState {
    return this.file.load();
  }

  /** A resource's stored entry, by logical name. */
  resource(name: string): ResourceState | undefined {
    return this.file.load().resources.find((r) => nameOfUrn(r.urn) === name && !r.pendingDelete);
  }

  urn(type: string, name: string): string {
    return makeUrn(this.host.stack, this.host.project, type, name);
  }

  preview(program: Program): Promise<Plan> {
    return this.deploy(program, true);
  }

  up(program: Program): Promise<Plan> {
    return this.deploy(program, false);
  }

  // ---------------------------------------------------------------------------------------------
  // preview / up

  private async deploy(program: Program, dryRun: boolean): Promise<Plan> {
    const plan = this.newPlan(dryRun ? "preview" : "up", dryRun);
    const old = this.file.load();
    const oldByUrn = new Map(old.resources.filter((r) => !r.pendingDelete).map((r) => [r.urn, r]));
    const next: ResourceState[] = [];
    // URNs whose old entry is no longer current (superseded in `next`, or deleted).
    const handled = new Set<string>();
    const declared = new Set<string>();
    const pendingDeletes: ResourceState[] = old.resources.filter((r) => r.pendingDelete);
    const live = new Map<string, LiveResource>();
    const urnOf = new Map<string, string>();
    // Old entry -> its pending-delete copy, for create-before-delete replacements made in this run.
    const replaced = new Map<ResourceState, ResourceState>();
    // The checkpoint after each step: what this run produced, then what it has not touched yet.
    const snapshot = (): StackState => ({
      resources: [...next, ...old.resources.filter((r) => !r.pendingDelete && !handled.has(r.urn)), ...pendingDeletes],
    });
    const save = (): void => {
      if (!dryRun) this.file.save(snapshot());
    };

    await this.wrap(plan, undefined, () => this.host.configure(this.config));
    for (const decl of program) {
      const urn = makeUrn(this.host.stack, this.host.project, decl.type, decl.name);
      if (urnOf.has(decl.name)) throw new OperationError(`duplicate resource name "${decl.name}"`, await this.finish(plan));
      urnOf.set(decl.name, urn);
      declared.add(urn);
      const ref: ResourceRef = { urn, name: decl.name, type: decl.type };
      await this.wrap(plan, urn, async () => {
        const props = await this.inputsOf(decl, live, dryRun);
        const dependencies = this.dependenciesOf(decl, props.references, urnOf);
        const prior = oldByUrn.get(urn);
        const push = (e: ResourceState): void => {
          next.push(e);
          handled.add(urn);
          save();
        };
        if (decl.getId !== undefined) {
          const entry = await this.readExternal(ref, decl, props.props, dependencies);
          plan.steps.push(report(urn, decl.name, "read", [], []));
          live.set(decl.name, { id: entry.id, outputs: entry.outputs, predicted: false });
          if (!dryRun) push(entry);
          return;
        }
        const d = await this.decide(ref, decl, props.props, prior);
        const step = report(urn, decl.name, d.op, d.diffKeys, d.replaceKeys, d.op === "replace" ? d.deleteBeforeReplace : undefined);
        if (d.unknownKeys.length > 0) step.unknownKeys = d.unknownKeys;
        plan.steps.push(step);
        const base = {
          urn,
          type: decl.type,
          dependencies,
          ...optionsOf(decl),
        };
        if (dryRun) {
          if (d.op === "same" && prior) live.set(decl.name, { id: prior.id, outputs: prior.outputs, predicted: false });
          else live.set(decl.name, { id: d.op === "update" && prior ? prior.id : "", outputs: d.inputs, predicted: true });
          return;
        }
        if (d.op === "same" && prior) {
          const entry: ResourceState = { ...base, id: prior.id, inputs: d.inputs, outputs: markSecretOutputs(prior.outputs, decl.options.additionalSecretOutputs) };
          live.set(decl.name, { id: entry.id, outputs: entry.outputs, predicted: false });
          push(entry);
          return;
        }
        if (d.op === "replace" && prior) {
          // decide() refused a protected resource that stays protected; one being unprotected in this
          // same run may be replaced (as the engine allows), so its old half is deleted regardless.
          if (d.deleteBeforeReplace) {
            await this.deleteOne(prior);
            handled.add(urn);
          } else {
            const pending: ResourceState = { ...prior, pendingDelete: true };
            delete pending.protect;
            replaced.set(prior, pending);
            pendingDeletes.push(pending);
            handled.add(urn);
          }
          save();
        }
        const entry = d.op === "update" && prior
          ? await this.applyUpdate(ref, decl, prior, d.inputs, base, push)
          : await this.applyCreate(ref, decl, d.inputs, base, push);
        live.set(decl.name, { id: entry.id, outputs: entry.outputs, predicted: false });
        push(entry);
      });
    }

    // Deletes: resources gone from the program and the old halves of replacements (this run's and
    // any left by an earlier run), dependents first: the reverse of the old snapshot's order, which
    // is a dependency order because resources are registered after what they depend on.
    const deletions: ResourceState[] = [];
    for (const r of [...old.resources].reverse()) {
      if (r.pendingDelete || !declared.has(r.urn)) deletions.push(r);
      else if (replaced.has(r)) deletions.push(replaced.get(r)!);
    }
    for (const r of deletions) {
      await this.wrap(plan, r.urn, async () => {
        if (!r.pendingDelete) plan.steps.push(report(r.urn, nameOfUrn(r.urn), "delete", [], []));
        if (r.protect) throw new Error(`${r.urn} is protected: remove \`protect\` (run up with it off) before deleting it`);
        if (dryRun) return;
        await this.deleteOne(r);
        if (r.pendingDelete) pendingDeletes.splice(pendingDeletes.indexOf(r), 1);
        else handled.add(r.urn);
        save();
      });
    }
    return this.finish(plan);
  }

  private async inputsOf(decl: ResourceDeclaration, live: Map<string, LiveResource>, dryRun: boolean): Promise<{ props: PropertyMap; references: string[] }> {
    const provider = await serializeProvider(decl.provider);
    const { props, references } = resolveInputs(decl.name, decl.inputs, live);
    if (!dryRun && containsUnknowns(props)) {
      throw new Error(`${decl.name}: an input is still unknown during up (only a preview may see unknowns)`);
    }
    // dynamic.Resource stores the provider text as a secret when the closure captured a secret.
    props[PROVIDER_KEY] = provider.containsSecrets ? makeSecret(provider.text) : provider.text;
    return { props, references };
  }

  private dependenciesOf(decl: ResourceDeclaration, references: string[], urnOf: Map<string, string>): string[] {
    const names = [...new Set([...references, ...(decl.options.dependsOn ?? [])])];
    return names.map((n) => {
      const urn = urnOf.get(n);
      if (!urn) throw new Error(`${decl.name}: dependsOn "${n}", which is not declared before it`);
      return urn;
    });
  }

  /** Check and Diff: what the engine decides for one resource (the same in preview and up). */
  private async decide(ref: ResourceRef, decl: ResourceDeclaration, props: PropertyMap, prior: ResourceState | undefined): Promise<Decision> {
    const ignore = decl.options.ignoreChanges ?? [];
    const news = prior ? applyIgnoreChanges(props, prior.inputs, ignore) : props;
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

    if (prior.protect && decl.options.protect) {
      throw new Error(`${ref.urn} is protected and its diff requires a replacement (${diff.replaces.join(", ")}); unprotect it first`);
    }
    // A replacement is a new object: Check again without olds, as the engine does (new auto-names).
    const rechecked = await this.check(ref, {}, news, undefined);
    return decision("replace", rechecked, diffKeys, [...diff.replaces].sort(), diff.deleteBeforeReplace || Boolean(decl.options.deleteBeforeReplace));
  }

  private async check(ref: ResourceRef, olds: PropertyMap, news: PropertyMap, oldOutputs: PropertyMap | undefined): Promise<PropertyMap> {
    const res = await this.host.check(ref, stripSecretsMap(olds), stripSecretsMap(news), oldOutputs && stripSecretsMap(oldOutputs));
    if (res.failures.length > 0) {
      const lines = res.failures.map((f) => `  ${f.property || "(resource)"}: ${f.reason}`).join("\n");
      throw new Error(`Check failed:\n${lines}`);
    }
    return annotateSecrets(res.inputs, news);
  }

  private outputsOf(decl: ResourceDeclaration, properties: PropertyMap, inputs: PropertyMap): PropertyMap {
    return markSecretOutputs(annotateSecrets(properties, inputs), decl.options.additionalSecretOutputs);
  }

  private async applyCreate(
    ref: ResourceRef,
    decl: ResourceDeclaration,
    inputs: PropertyMap,
    base: Omit<ResourceState, "id" | "inputs" | "outputs">,
    recordPartial: (e: ResourceState) => void,
  ): Promise<ResourceState> {
    try {
      const res = await this.host.create(ref, stripSecretsMap(inputs), { preview: false });
      return { ...base, id: res.id, inputs, outputs: this.outputsOf(decl, res.properties, inputs) };
    } catch (e) {
      this.recordInitFailure(e, decl, inputs, base, recordPartial);
      throw e;
    }
  }

  private async applyUpdate(
    ref: ResourceRef,
    decl: ResourceDeclaration,
    prior: ResourceState,
    inputs: PropertyMap,
    base: Omit<ResourceState, "id" | "inputs" | "outputs">,
    recordPartial: (e: ResourceState) => void,
  ): Promise<ResourceState> {
    try {
      const outs = await this.host.update(ref, prior.id, stripSecretsMap(prior.outputs), stripSecretsMap(inputs), stripSecretsMap(prior.inputs), {
        preview: false,
        ignoreChanges: decl.options.ignoreChanges ?? [],
      });
      return { ...base, id: prior.id, inputs, outputs: this.outputsOf(decl, outs, inputs) };
    } catch (e) {
      this.recordInitFailure(e, decl, inputs, base, recordPartial);
      throw e;
    }
  }

  /**
   * StatusPartialFailure: the object exists. The engine records it with the id and the properties
   * from the error as its outputs (note: the host does not add `__provider` to them) and the reasons
   * as init errors; the operation still fails.
   */
  private recordInitFailure(e: unknown, decl: ResourceDeclaration, inputs: PropertyMap, base: Omit<ResourceState, "id" | "inputs" | "outputs">, record: (e: ResourceState) => void): void {
    if (!(e instanceof HostCallError) || !e.initFailure) return;
    const f = e.initFailure;
    record({ ...base, id: f.id, inputs, outputs: this.outputsOf(decl, f.properties, inputs), initErrors: f.reasons });
  }

  private async readExternal(ref: ResourceRef, decl: ResourceDeclaration, props: PropertyMap, dependencies: string[]): Promise<ResourceState> {
    const id = decl.getId ?? "";
    const res = await this.host.read(ref, id, undefined, stripSecretsMap(props));
    if (!res.id) throw new Error(`${ref.urn}: get: no object with id "${id}"`);
    return {
      urn: ref.urn,
      type: ref.type,
      id: res.id,
      inputs: res.inputs ? annotateSecrets(res.inputs, props) : props,
      outputs: this.outputsOf(decl, res.properties, props),
      dependencies,
      external: true,
      ...optionsOf(decl),
    };
  }

  /** Delete RPC with the stored outputs (and so the stored `__provider`), unless retained or external. */
  private async deleteOne(r: ResourceState): Promise<void> {
    if (r.retainOnDelete || r.external) return;
    const ref: ResourceRef = { urn: r.urn, name: nameOfUrn(r.urn), type: r.type };
    await this.host.delete(ref, r.id, stripSecretsMap(r.outputs), stripSecretsMap(r.inputs));
  }

  // ---------------------------------------------------------------------------------------------
  // refresh

  /** Read every resource; `{ preview: true }` is `pulumi refresh --preview-only` (state untouched). */
  async refresh(opts: { preview?: boolean } = {}): Promise<Plan> {
    const dryRun = Boolean(opts.preview);
    const plan = this.newPlan("refresh", dryRun);
    const state = this.file.load();
    await this.wrap(plan, undefined, () => this.host.configure(this.config));
    const result: ResourceState[] = [...state.resources];
    for (const r of state.resources) {
      await this.wrap(plan, r.urn, async () => {
        const ref: ResourceRef = { urn: r.urn, name: nameOfUrn(r.urn), type: r.type };
        const res = await this.host.read(ref, r.id, stripSecretsMap(r.outputs), stripSecretsMap(r.inputs));
        const i = result.indexOf(r);
        if (!res.id) {
          plan.steps.push(report(r.urn, ref.name, "delete", [], []));
          result.splice(i, 1);
        } else {
          const outputs = markSecretOutputs(annotateSecrets(res.properties, r.outputs), r.additionalSecretOutputs);
          const inputs = res.inputs ? annotateSecrets(res.inputs, r.inputs) : r.inputs;
          const keys = [...new Set([...changedKeys(r.outputs, outputs), ...changedKeys(r.inputs, inputs)])].sort();
          const changed = keys.length > 0 || res.id !== r.id;
          plan.steps.push(report(r.urn, ref.name, changed ? "refresh-changed" : "same", keys, []));
          result[i] = { ...r, id: res.id, inputs, outputs };
        }
        if (!dryRun) this.file.save({ resources: result });
      });
    }
    return this.finish(plan);
  }

  // ---------------------------------------------------------------------------------------------
  // destroy

  /** Delete everything, dependents first; `{ preview: true }` only lists the deletes. */
  async destroy(opts: { preview?: boolean } = {}): Promise<Plan> {
    const dryRun = Boolean(opts.preview);
    const plan = this.newPlan("destroy", dryRun);
    const state = this.file.load();
    const remaining = [...state.resources];
    const order = [...state.resources].reverse();
    for (const r of order) if (!r.pendingDelete) plan.steps.push(report(r.urn, nameOfUrn(r.urn), "delete", [], []));
    const isProtected = order.find((r) => r.protect);
    if (isProtected) {
      throw new OperationError(`${isProtected.urn} is protected: remove \`protect\` (run up with it off) before destroying`, await this.finish(plan), isProtected.urn);
    }
    if (dryRun) return this.finish(plan);
    await this.wrap(plan, undefined, () => this.host.configure(this.config));
    for (const r of order) {
      await this.wrap(plan, r.urn, async () => {
        await this.deleteOne(r);
        remaining.splice(remaining.indexOf(r), 1);
        this.file.save({ resources: remaining });
      });
    }
    return this.finish(plan);
  }

  // ---------------------------------------------------------------------------------------------

  private newPlan(operation: OperationKind, dryRun: boolean): Plan {
    this.host.takeLines(); // lines printed before this operation belong to no plan
    return { operation, dryRun, steps: [], log: [] };
  }

  /**
   * Attaches the host's output to the plan. The host writes to its pipes before answering, but the
   * two streams are read independently here, so give the pipes a moment to be drained first.
   */
  private async finish(plan: Plan): Promise<Plan> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    plan.log.push(...this.host.takeLines());
    return plan;
  }

  private async wrap<T>(plan: Plan, urn: string | undefined, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof OperationError) throw e;
      const message = e instanceof Error ? e.message : String(e);
      throw new OperationError(`${plan.operation} failed${urn ? ` at ${urn}` : ""}: ${message}`, await this.finish(plan), urn, e);
    }
  }
}

function report(urn: string, name: string, op: StepOp, diffKeys: string[], replaceKeys: string[], deleteBeforeReplace?: boolean): StepReport {
  const r: StepReport = { urn, name, op, diffKeys, replaceKeys };
  if (deleteBeforeReplace !== undefined) r.deleteBeforeReplace = deleteBeforeReplace;
  return r;
}

function optionsOf(decl: ResourceDeclaration): Pick<ResourceState, "protect" | "retainOnDelete" | "additionalSecretOutputs"> {
  const o: Pick<ResourceState, "protect" | "retainOnDelete" | "additionalSecretOutputs"> = {};
  if (decl.options.protect) o.protect = true;
  if (decl.options.retainOnDelete) o.retainOnDelete = true;
  if (decl.options.additionalSecretOutputs?.length) o.additionalSecretOutputs = [...decl.options.additionalSecretOutputs];
  return o;
}
