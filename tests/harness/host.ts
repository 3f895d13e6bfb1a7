/**
 * A client for the SDK's dynamic-provider host, speaking the ResourceProvider gRPC service with the
 * requests the engine sends (field for field as in the Go engine's provider_plugin.go). Values go in
 * and come out in wire form (wire.ts); callers strip secrets first, as the engine does for a provider
 * that answers `acceptSecrets=false`.
 */
import * as crypto from "crypto";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import { configEnv, configureArgs, configureVariables, StackConfig } from "./config";
import { toHostCallError } from "./errors";
import { HostLine, HostProcess } from "./hostProcess";
import { fromStruct, toStruct } from "./struct";
import { PropertyMap } from "./wire";

export interface HostOptions {
  /** Directory whose node_modules resolves the packages (the repo root for this project). */
  cwd: string;
  /** Project name: `PULUMI_NODEJS_PROJECT`, and the namespace of config keys given without one. */
  project?: string;
  stack?: string;
  /** The stack config, also exported as `PULUMI_CONFIG` to the host like the engine does. */
  config?: StackConfig;
  /** Extra environment for the host (on top of this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Deadline for each RPC; none by default, since creates can take long. */
  callTimeoutMs?: number;
  startTimeoutMs?: number;
  onLine?: (line: HostLine) => void;
  /** Address of an Engine gRPC service (see engineServer.ts) to hand the host, as the engine does. */
  engineAddress?: string;
}

export interface ConfigureResult {
  acceptSecrets: boolean;
  supportsPreview: boolean;
  acceptResources: boolean;
  acceptOutputs: boolean;
}

export interface ResourceRef {
  urn: string;
  name: string;
  type: string;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult {
  inputs: PropertyMap;
  failures: CheckFailure[];
}

export type DiffChanges = "unknown" | "none" | "some";

export interface DiffResult {
  changes: DiffChanges;
  replaces: string[];
  stables: string[];
  deleteBeforeReplace: boolean;
  diffs: string[];
  hasDetailedDiff: boolean;
}

export interface CreateResult {
  id: string;
  properties: PropertyMap;
}

export interface ReadResult {
  /** "" when the provider reports the object gone. */
  id: string;
  properties: PropertyMap;
  /** Present when the provider's read() returned inputs (SDK 3.216+). */
  inputs?: PropertyMap;
}

type Callback<T> = (err: grpc.ServiceError | null, res: T) => void;

export class DynamicProviderHost {
  readonly project: string;
  readonly stack: string;
  readonly config: StackConfig;

  private constructor(
    private readonly proc: HostProcess,
    private readonly client: ResourceProviderClient,
    private readonly opts: HostOptions,
  ) {
    this.project = opts.project ?? "project";
    this.stack = opts.stack ?? "dev";
    this.config = opts.config ?? {};
  }

  static async start(opts: HostOptions): Promise<DynamicProviderHost> {
    const project = opts.project ?? "project";
    const proc = await HostProcess.start({
      cwd: opts.cwd,
      engineAddress: opts.engineAddress,
      env: {
        ...process.env,
        ...configEnv(opts.config ?? {}, project),
        PULUMI_NODEJS_PROJECT: project,
        PULUMI_PROJECT: project,
        PULUMI_NODEJS_STACK: opts.stack ?? "dev",
        PULUMI_STACK: opts.stack ?? "dev",
        ...opts.env,
      },
      startTimeoutMs: opts.startTimeoutMs,
      onLine: opts.onLine,
    });
    const client = new ResourceProviderClient(`127.0.0.1:${proc.port}`, grpc.credentials.createInsecure());
    return new DynamicProviderHost(proc, client, opts);
  }

  get port(): number {
    return this.proc.port;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Every stdout (after the port) and stderr line the host printed so far. */
  get lines(): readonly HostLine[] {
    return this.proc.lines;
  }

  /** Lines printed since the previous call. */
  takeLines(): HostLine[] {
    return this.proc.takeLines();
  }

  async close(): Promise<void> {
    this.client.close();
    await this.proc.stop();
  }

  private call<T>(method: string, invoke: (deadline: grpc.CallOptions, cb: Callback<T>) => void): Promise<T> {
    const options: grpc.CallOptions = this.opts.callTimeoutMs ? { deadline: Date.now() + this.opts.callTimeoutMs } : {};
    return new Promise<T>((resolve, reject) => {
      invoke(options, (err, res) => (err ? reject(toHostCallError(method, err)) : resolve(res)));
    });
  }

  async getPluginInfo(): Promise<string> {
    const info = await this.call<PluginInfo>("GetPluginInfo", (o, cb) => this.client.getPluginInfo(new Empty(), new grpc.Metadata(), o, cb));
    return info.getVersion();
  }

  /**
   * Configure as the engine does for the default `pulumi-nodejs` provider: the whole stack config
   * (namespaced, secrets wrapped) in `args`, the legacy `variables`, and the flags of a current engine.
   */
  async configure(config: StackConfig = this.config): Promise<ConfigureResult> {
    const req = new proto.ConfigureRequest();
    req.setArgs(toStruct(configureArgs(config, this.project)));
    const vars = req.getVariablesMap();
    for (const [k, v] of configureVariables(config, this.project)) vars.set(k, v);
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    req.setSendsOldInputs(true);
    req.setSendsOldInputsToDelete(true);
    req.setUrn(`urn:pulumi:${this.stack}::${this.project}::pulumi:providers:pulumi-nodejs::default`);
    req.setName("default");
    req.setType("pulumi:providers:pulumi-nodejs");
    const res = await this.call<proto.ConfigureResponse>("Configure", (o, cb) => this.client.configure(req, new grpc.Metadata(), o, cb));
    return {
      acceptSecrets: res.getAcceptsecrets(),
      supportsPreview: res.getSupportspreview(),
      acceptResources: res.getAcceptresources(),
      acceptOutputs: res.getAcceptoutputs(),
    };
  }

  async check(r: ResourceRef, olds: PropertyMap, news: PropertyMap, oldOutputs?: PropertyMap): Promise<CheckResult> {
    const req = new proto.CheckRequest();
    setRef(req, r);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    if (oldOutputs) req.setOldOutputs(toStruct(oldOutputs));
    req.setRandomseed(crypto.randomBytes(32));
    const res = await this.call<proto.CheckResponse>("Check", (o, cb) => this.client.check(req, new grpc.Metadata(), o, cb));
    return {
      inputs: fromStruct(res.getInputs()) ?? {},
      failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(r: ResourceRef, id: string, olds: PropertyMap, news: PropertyMap, oldInputs: PropertyMap, ignoreChanges: string[] = []): Promise<DiffResult> {
    const req = new proto.DiffRequest();
    setRef(req, r);
    req.setId(id);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    req.setOldInputs(toStruct(oldInputs));
    req.setIgnorechangesList(ignoreChanges);
    const res = await this.call<proto.DiffResponse>("Diff", (o, cb) => this.client.diff(req, new grpc.Metadata(), o, cb));
    const kinds = proto.DiffResponse.DiffChanges;
    const changes: DiffChanges =
      res.getChanges() === kinds.DIFF_SOME ? "some" : res.getChanges() === kinds.DIFF_NONE ? "none" : "unknown";
    return {
      changes,
      replaces: res.getReplacesList(),
      stables: res.getStablesList(),
      deleteBeforeReplace: res.getDeletebeforereplace(),
      diffs: res.getDiffsList(),
      hasDetailedDiff: res.getHasdetaileddiff(),
    };
  }

  async create(r: ResourceRef, properties: PropertyMap, opts: { timeoutSeconds?: number; preview?: boolean } = {}): Promise<CreateResult> {
    const req = new proto.CreateRequest();
    setRef(req, r);
    req.setProperties(toStruct(properties));
    req.setTimeout(opts.timeoutSeconds ?? 0);
    req.setPreview(opts.preview ?? false);
    const res = await this.call<proto.CreateResponse>("Create", (o, cb) => this.client.create(req, new grpc.Metadata(), o, cb));
    return { id: res.getId(), properties: fromStruct(res.getProperties()) ?? {} };
  }

  /**
   * Refresh sends old outputs and old inputs; a `get` sends inputs only (`properties` undefined);
   * `pulumi import` sends the id only.
   */
  async read(r: ResourceRef, id: string, properties: PropertyMap | undefined, inputs: PropertyMap | undefined): Promise<ReadResult> {
    const req = new proto.ReadRequest();
    setRef(req, r);
    req.setId(id);
    if (properties) req.setProperties(toStruct(properties));
    if (inputs) req.setInputs(toStruct(inputs));
    const res = await this.call<proto.ReadResponse>("Read", (o, cb) => this.client.read(req, new grpc.Metadata(), o, cb));
    return { id: res.getId() ?? "", properties: fromStruct(res.getProperties()) ?? {}, inputs: fromStruct(res.getInputs()) };
  }

  async update(
    r: ResourceRef,
    id: string,
    olds: PropertyMap,
    news: PropertyMap,
    oldInputs: PropertyMap,
    opts: { timeoutSeconds?: number; preview?: boolean; ignoreChanges?: string[] } = {},
  ): Promise<PropertyMap> {
    const req = new proto.UpdateRequest();
    setRef(req, r);
    req.setId(id);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    req.setOldInputs(toStruct(oldInputs));
    req.setTimeout(opts.timeoutSeconds ?? 0);
    req.setIgnorechangesList(opts.ignoreChanges ?? []);
    req.setPreview(opts.preview ?? false);
    const res = await this.call<proto.UpdateResponse>("Update", (o, cb) => this.client.update(req, new grpc.Metadata(), o, cb));
    return fromStruct(res.getProperties()) ?? {};
  }

  async delete(r: ResourceRef, id: string, properties: PropertyMap, oldInputs: PropertyMap, timeoutSeconds = 0): Promise<void> {
    const req = new proto.DeleteRequest();
    setRef(req, r);
    req.setId(id);
    req.setProperties(toStruct(properties));
    req.setOldInputs(toStruct(oldInputs));
    req.setTimeout(timeoutSeconds);
    await this.call<Empty>("Delete", (o, cb) => this.client.delete(req, new grpc.Metadata(), o, cb));
  }

  async cancel(): Promise<void> {
    await this.call<Empty>("Cancel", (o, cb) => this.client.cancel(new Empty(), new grpc.Metadata(), o, cb));
  }
}

interface HasRef {
  setUrn(v: string): unknown;
  setName(v: string): unknown;
  setType(v: string): unknown;
}

function setRef(req: HasRef, r: ResourceRef): void {
  req.setUrn(r.urn);
  req.setName(r.name);
  req.setType(r.type);
}
