/**
 * A mini Pulumi engine for dynamic resources: `preview`, `up`, `refresh` and `destroy`, keeping a
 * JSON state file. Each operation, as under the CLI, starts its own engine services (monitor.ts)
 * and its own dynamic-provider host, and stops both when done. The program is either a real
 * Pulumi program (pulumiProgram.ts: run through the SDK's `cmd/run`, registering over gRPC) or a
 * declaration list (program.ts, run by declarations.ts); both feed the same step executor
 * (deployment.ts), which steps independent resources concurrently.
 */
import { StackConfig } from "./config";
import { Deployment, dependentsFirst, Operation, OperationError, report } from "./deployment";
import { runDeclarations } from "./declarations";
import { EngineLogEntry } from "./engineServer";
import { DynamicProviderHost, HostOptions, ResourceRef } from "./host";
import { MonitorHandler, MonitorServer, ResourceReply, ResourceRequest } from "./monitor";
import { OperationKind, Plan } from "./plan";
import { Program } from "./program";
import { PulumiProgram, startProgram } from "./pulumiProgram";
import { annotateSecrets, markSecretOutputs, stripSecretsMap } from "./secrets";
import { Semaphore } from "./semaphore";
import { changedKeys } from "./compare";
import { ResourceState, StackState, StateFile } from "./state";
import { makeUrn, nameOfUrn } from "./urn";

export { OperationError } from "./deployment";

/** The CLI's default `--parallel`: unbounded. */
export const DEFAULT_PARALLEL = 2147483647;

export interface EngineOptions {
  /**
   * Start a new dynamic-provider host with these options for each operation, as the CLI does (the
   * default when `host` is not given; `cwd` defaults to a real program's folder).
   */
  hostOptions?: HostOptions;
  /**
   * One host for every operation instead (its provider cache then outlives operations, so
   * configure() runs once per provider text for the host's life). Tests of the host itself use it.
   */
  host?: DynamicProviderHost;
  /** The JSON state file; created on the first `up`. */
  stateFile: string;
  /** Encrypts secrets in the state file. Default `PULUMI_CONFIG_PASSPHRASE` or "harness". */
  passphrase?: string;
  /** The stack config (program and Configure); default: the host's or hostOptions' config. */
  config?: StackConfig;
  /** Resource operations at once (`--parallel`). Default: unbounded, like the CLI. */
  parallel?: number;
  /** Each host an operation starts, once it is up (to watch it, kill it or cancel it). */
  onHost?: (host: DynamicProviderHost) => void;
  /** A real program's output lines, as they come. */
  onProgramLine?: (line: { stream: string; text: string }) => void;
}

interface Running {
  op: Operation;
  host: DynamicProviderHost;
  killProgram?: () => void;
}

export class Engine {
  readonly stateFile: string;
  readonly project: string;
  readonly stack: string;
  /** The stack config each operation runs with; change it with `setConfig` (`pulumi config set`). */
  config: StackConfig;
  /** Every Log message the engine services received, over all operations. */
  readonly diagnostics: EngineLogEntry[] = [];
  private readonly file: StateFile;
  private readonly parallel: number;
  private running: Running | undefined;

  constructor(private readonly opts: EngineOptions) {
    if (!opts.host && !opts.hostOptions) throw new Error("Engine: give hostOptions (a host per operation) or host");
    this.stateFile = opts.stateFile;
    this.file = new StateFile(opts.stateFile, opts.passphrase ?? process.env.PULUMI_CONFIG_PASSPHRASE ?? "harness");
    this.project = opts.host?.project ?? opts.hostOptions?.project ?? "project";
    this.stack = opts.host?.stack ?? opts.hostOptions?.stack ?? "dev";
    this.config = opts.config ?? opts.host?.config ?? opts.hostOptions?.config ?? {};
    this.parallel = opts.parallel ?? DEFAULT_PARALLEL;
  }

  /** `pulumi config set <key> <value>` (`--secret`: give `secret(value)`); `undefined` removes the key. */
  setConfig(key: string, value: StackConfig[string] | undefined): void {
    const next = { ...this.config };
    if (value === undefined) delete next[key];
    else next[key] = value;
    this.config = next;
  }

  /** The host of the operation running now (or the fixed host). */
  get host(): DynamicProviderHost | undefined {
    return this.running?.host ?? this.opts.host;
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
    return makeUrn(this.stack, this.project, type, name);
  }

  preview(program: Program | PulumiProgram): Promise<Plan> {
    return this.deploy(program, true);
  }

  up(program: Program | PulumiProgram): Promise<Plan> {
    return this.deploy(program, false);
  }

  /**
   * Ctrl-C, as the CLI handles it: no new step starts, the provider is sent Cancel, then its host
   * is stopped (steps in flight fail with it) and the program is ended; the operation fails as
   * cancelled and the state keeps what finished. The next `up` takes over from there.
   */
  async cancel(): Promise<void> {
    const r = this.running;
    if (!r) return;
    r.op.fail("cancelled (Ctrl-C)");
    await Promise.race([r.host.cancel().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2000))]);
    r.killProgram?.();
    await r.host.close();
  }

  /**
   * The CLI's process killed mid-operation (kill -9, the machine lost): nothing more is written
   * to the state, so steps in flight stay there as pending operations; the host and the program
   * die with it. The next operation warns about them, as the CLI does, and goes on.
   */
  async crash(): Promise<void> {
    const r = this.running;
    if (!r) return;
    this.file.frozen = true;
    r.op.fail("the engine was killed");
    r.killProgram?.();
    await r.host.close();
  }

  // ---------------------------------------------------------------------------------------------

  /** The CLI's warning about steps an earlier run left pending (deployment_executor.go's words). */
  private pendingWarning(): string | undefined {
    const pending = this.file.load().pendingOperations ?? [];
    if (pending.length === 0) return undefined;
    return (
      `Attempting to deploy or update resources with ${pending.length} pending operations from previous deployment.\n` +
      pending.map((p) => `  * ${p.urn}, interrupted while ${p.type}\n`).join("") +
      "These resources are in an unknown state because the Pulumi CLI was interrupted while waiting for changes to these resources to complete. " +
      "You should confirm whether or not the operations listed completed successfully by checking the state of the appropriate provider.\n\n" +
      "Once you have confirmed the status of the interrupted operations, you can repair your stack using `pulumi refresh` which will refresh the state " +
      "from the provider you are using and clear the pending operations if there are any.\n\n" +
      "Note that `pulumi refresh` will need to be run interactively to clear pending CREATE operations."
    );
  }

  private newPlan(operation: OperationKind, dryRun: boolean): Plan {
    return { operation, dryRun, steps: [], log: [], diagnostics: [] };
  }

  /** Engine services and a host for one operation; both stopped when it ends. */
  private async operate(
    operation: OperationKind,
    dryRun: boolean,
    hostCwd: string | undefined,
    handler: MonitorHandler,
    body: (plan: Plan, host: DynamicProviderHost, monitor: MonitorServer, running: Running) => Promise<Plan>,
  ): Promise<Plan> {
    if (this.running) throw new Error(`an operation is already running on ${this.stateFile}`);
    const plan = this.newPlan(operation, dryRun);
    const monitor = await MonitorServer.start(handler);
    const warning = operation === "refresh" ? undefined : this.pendingWarning();
    if (warning) monitor.log.push({ severity: 2, message: warning, urn: "" });
    let host: DynamicProviderHost | undefined;
    try {
      if (this.opts.host) {
        host = this.opts.host;
        host.takeLines(); // lines printed before this operation belong to no plan
      } else {
        const ho = this.opts.hostOptions!;
        host = await DynamicProviderHost.start({ ...ho, cwd: ho.cwd ?? hostCwd, config: this.config, engineAddress: monitor.address });
      }
      this.opts.onHost?.(host);
      const running: Running = { op: undefined as unknown as Operation, host };
      this.running = running;
      return await body(plan, host, monitor, running);
    } finally {
      this.running = undefined;
      this.file.frozen = false;
      plan.diagnostics = [...monitor.log];
      this.diagnostics.push(...monitor.log);
      if (host && !this.opts.host) await host.close();
      await monitor.close();
    }
  }

  private deploy(program: Program | PulumiProgram, dryRun: boolean): Promise<Plan> {
    const kind = dryRun ? "preview" : "up";
    let deployment: Deployment | undefined;
    const real = program instanceof PulumiProgram ? program : undefined;
    const handler = this.monitorHandler(() => deployment!);
    return this.operate(kind, dryRun, real?.dir, handler.handler, async (plan, host, monitor, running) => {
      deployment = new Deployment(plan, host, this.config, this.file, this.parallel);
      running.op = deployment;
      if (!real) {
        await runDeclarations(program as Program, deployment, this.project, this.stack);
        return deployment.complete();
      }
      const run = startProgram(real, {
        monitor: monitor.address,
        engine: monitor.address,
        project: this.project,
        stack: this.stack,
        config: this.config,
        dryRun,
        parallel: this.parallel,
        onLine: this.opts.onProgramLine,
      });
      running.killProgram = run.kill;
      const code = await run.exited;
      plan.programLog = run.lines;
      if (code !== 0 && !deployment.failed) {
        const said = monitor.log.filter((m) => m.severity >= 3).map((m) => m.message.trim());
        const tail = (said.length ? said : run.lines.map((l) => l.text)).slice(-15).join("\n");
        deployment.fail(`the program exited with code ${code}:\n${tail}`);
      }
      if (handler.outputs() && !dryRun && !deployment.failed) deployment.setStackOutputs(handler.outputs()!);
      plan.outputs = handler.outputs();
      return deployment.complete();
    });
  }

  /** Turns the monitor's RegisterResource calls into registrations of the deployment. */
  private monitorHandler(deployment: () => Deployment): { handler: MonitorHandler; outputs: () => ResourceState["outputs"] | undefined } {
    let stackUrn = "";
    let stackOutputs: ResourceState["outputs"] | undefined;
    let seq = 0;
    // URN -> the type chain a child's URN carries (`parentType$type`); the stack adds nothing.
    const chain = new Map<string, string>();
    const urnFor = (req: ResourceRequest): string => {
      const parentChain = req.parent && req.parent !== stackUrn ? chain.get(req.parent) : undefined;
      const qualified = parentChain ? `${parentChain}$${req.type}` : req.type;
      const urn = `urn:pulumi:${this.stack}::${this.project}::${qualified}::${req.name}`;
      chain.set(urn, qualified);
      return urn;
    };
    const handler: MonitorHandler = {
      register: async (req): Promise<ResourceReply> => {
        if (req.type === "pulumi:pulumi:Stack") {
          stackUrn = makeUrn(this.stack, this.project, req.type, req.name);
          return { urn: stackUrn, id: "", outputs: {} };
        }
        const urn = urnFor(req);
        // Components hold no provider state: the harness records only custom resources.
        if (!req.custom) return { urn, id: "", outputs: {} };
        const res = await deployment().register({
          urn,
          type: req.type,
          name: req.name,
          inputs: req.inputs,
          dependencies: [...new Set(req.dependencies)],
          propertyDependencies: req.propertyDependencies,
          options: {
            protect: req.protect,
            retainOnDelete: req.retainOnDelete,
            deleteBeforeReplace: req.deleteBeforeReplace,
            ignoreChanges: req.ignoreChanges,
            additionalSecretOutputs: req.additionalSecretOutputs,
          },
          getId: req.getId,
          seq: seq++,
        });
        return { urn, id: res.id, outputs: res.outputs };
      },
      registerOutputs: (urn, outputs) => {
        if (urn === stackUrn) stackOutputs = outputs;
      },
    };
    return { handler, outputs: () => stackOutputs };
  }

  // ---------------------------------------------------------------------------------------------
  // refresh

  /** Read every resource, concurrently; `{ preview: true }` is `pulumi refresh --preview-only`. */
  refresh(opts: { preview?: boolean } = {}): Promise<Plan> {
    const dryRun = Boolean(opts.preview);
    return this.operate("refresh", dryRun, undefined, noProgram, async (plan, host, _monitor, running) => {
      const op = new Operation(plan, host, this.config);
      running.op = op;
      const state = this.file.load();
      const result: (ResourceState | undefined)[] = [...state.resources];
      // A refresh reads what interrupted updates and deletes left; pending creates it cannot clear
      // without asking (the CLI asks interactively), so they stay.
      const creates = (state.pendingOperations ?? []).filter((p) => p.type === "creating");
      const save = (): void => {
        if (dryRun) return;
        const next: StackState = { ...state, resources: result.filter((r): r is ResourceState => r !== undefined) };
        if (creates.length > 0) next.pendingOperations = creates;
        else delete next.pendingOperations;
        this.file.save(next);
      };
      const slots = new Semaphore(this.parallel);
      try {
        await op.step(undefined, () => host.configure(this.config));
        await Promise.allSettled(state.resources.map((r, i) => slots.run(() => op.step(r.urn, async () => {
          if (op.failed) return;
          const ref: ResourceRef = { urn: r.urn, name: nameOfUrn(r.urn), type: r.type };
          const res = await host.read(ref, r.id, stripSecretsMap(r.outputs), stripSecretsMap(r.inputs));
          if (!res.id) {
            op.record(i, report(r.urn, ref.name, "delete", [], []));
            result[i] = undefined;
          } else {
            const outputs = markSecretOutputs(annotateSecrets(res.properties, r.outputs), r.additionalSecretOutputs);
            const inputs = res.inputs ? annotateSecrets(res.inputs, r.inputs) : r.inputs;
            const keys = [...new Set([...changedKeys(r.outputs, outputs), ...changedKeys(r.inputs, inputs)])].sort();
            const changed = keys.length > 0 || res.id !== r.id;
            op.record(i, report(r.urn, ref.name, changed ? "refresh-changed" : "same", keys, []));
            result[i] = { ...r, id: res.id, inputs, outputs };
          }
          save();
        }))));
        if (!op.failed) save();
      } catch {
        // the first failure is the operation's; finish() throws it
      }
      return op.finish();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // destroy

  /** Delete everything, dependents first, independent resources concurrently; `{ preview: true }` only lists the deletes. */
  async destroy(opts: { preview?: boolean } = {}): Promise<Plan> {
    const dryRun = Boolean(opts.preview);
    const state = this.file.load();
    const order = [...state.resources].reverse();
    const isProtected = order.find((r) => r.protect);
    const listing = (plan: Plan): void => {
      plan.steps.push(...order.filter((r) => !r.pendingDelete).map((r) => report(r.urn, nameOfUrn(r.urn), "delete", [], [])));
    };
    if (dryRun || isProtected) {
      const plan = this.newPlan("destroy", dryRun);
      listing(plan);
      if (isProtected) {
        throw new OperationError(`${isProtected.urn} is protected: remove \`protect\` (run up with it off) before destroying`, plan, isProtected.urn);
      }
      return plan;
    }
    return this.operate("destroy", false, undefined, noProgram, async (plan, host, _monitor, running) => {
      const op = new Operation(plan, host, this.config);
      running.op = op;
      order.forEach((r, i) => {
        if (!r.pendingDelete) op.record(i, report(r.urn, nameOfUrn(r.urn), "delete", [], []));
      });
      const remaining = [...state.resources];
      op.persist = () => {
        const pending = op.pendingOperations(state.pendingOperations);
        this.file.save({ resources: remaining, ...(remaining.length && state.outputs ? { outputs: state.outputs } : {}), ...(pending ? { pendingOperations: pending } : {}) });
      };
      try {
        await op.step(undefined, () => host.configure(this.config));
        await dependentsFirst(order, (r) => op.step(r.urn, async () => {
          if (op.failed) throw new Error("not started: the operation failed");
          await op.deleteOne(r);
          remaining.splice(remaining.indexOf(r), 1);
          op.persist();
        }), new Semaphore(this.parallel));
      } catch {
        // the first failure is the operation's; finish() throws it
      }
      return op.finish();
    });
  }
}

/** Refresh and destroy run no program: nothing registers. */
const noProgram: MonitorHandler = {
  register: async () => {
    throw new Error("no program runs during this operation");
  },
  registerOutputs: () => undefined,
};
