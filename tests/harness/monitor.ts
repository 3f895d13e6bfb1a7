/**
 * The engine's side of a running program: the ResourceMonitor service a Pulumi program's SDK
 * registers resources with, and the Engine service (Log, root resource) that both the program and
 * the dynamic-provider host talk to. One server per operation, as the engine starts one per update.
 *
 * It advertises `secrets` only: the SDK then sends secrets as wrappers and decodes them in
 * outputs; resources passed as inputs are sent as their id or URN (no resource references), and
 * outputs as plain values (no output values), which is what a dynamic resource gets anyway.
 */
import * as grpc from "@grpc/grpc-js";
import { fromStruct, toStruct } from "./struct";
import { PropertyMap } from "./wire";
import { EngineLogEntry } from "./engineServer";

const resourceServices = require("@pulumi/pulumi/proto/resource_grpc_pb");
const resourceProto = require("@pulumi/pulumi/proto/resource_pb");
const engineServices = require("@pulumi/pulumi/proto/engine_grpc_pb");
const engineProto = require("@pulumi/pulumi/proto/engine_pb");
const empty = require("google-protobuf/google/protobuf/empty_pb");

/** What a program asked to register (RegisterResourceRequest, the fields a dynamic resource uses). */
export interface ResourceRequest {
  type: string;
  name: string;
  parent: string;
  custom: boolean;
  inputs: PropertyMap;
  dependencies: string[];
  /** Input key -> the URNs its value came from (RegisterResourceRequest.propertyDependencies). */
  propertyDependencies: { [key: string]: string[] };
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  additionalSecretOutputs: string[];
  /** ReadResource (`X.get(name, id)`): the id of the object to read. */
  getId?: string;
}

export interface ResourceReply {
  urn: string;
  id: string;
  outputs: PropertyMap;
}

export interface MonitorHandler {
  register(req: ResourceRequest): Promise<ResourceReply>;
  registerOutputs(urn: string, outputs: PropertyMap): void;
}

// Features a program may ask about; the answer for anything else is "no".
const FEATURES = new Set(["secrets"]);

interface Message {
  [getter: string]: () => unknown;
}

type Unary = (call: grpc.ServerUnaryCall<Message, unknown>, cb: grpc.sendUnaryData<unknown>) => void;

function propertyDependenciesOf(r: Message): { [key: string]: string[] } {
  const out: { [key: string]: string[] } = {};
  if (typeof r.getPropertydependenciesMap !== "function") return out;
  const m = r.getPropertydependenciesMap() as { forEach(f: (v: { getUrnsList(): string[] }, k: string) => void): void };
  m.forEach((v, k) => {
    out[k] = [...new Set(v.getUrnsList())];
  });
  return out;
}

function registration(r: Message, custom: boolean): ResourceRequest {
  const get = <T>(name: string, fallback: T): T => (typeof r[name] === "function" ? (r[name]() as T) : fallback);
  return {
    type: get("getType", ""),
    name: get("getName", ""),
    parent: get("getParent", ""),
    custom,
    inputs: fromStruct(get("getObject", undefined) ?? get("getProperties", undefined)) ?? {},
    dependencies: get<string[]>("getDependenciesList", []),
    propertyDependencies: propertyDependenciesOf(r),
    protect: get<boolean>("getProtect", false) === true,
    retainOnDelete: get<boolean>("getRetainondelete", false) === true,
    deleteBeforeReplace: get<boolean>("getDeletebeforereplace", false) === true,
    ignoreChanges: get<string[]>("getIgnorechangesList", []),
    additionalSecretOutputs: get<string[]>("getAdditionalsecretoutputsList", []),
  };
}

export class MonitorServer {
  readonly log: EngineLogEntry[] = [];
  rootResource = "";
  address = "";
  private readonly server = new grpc.Server();

  private constructor(private readonly handler: MonitorHandler) {}

  static async start(handler: MonitorHandler): Promise<MonitorServer> {
    const s = new MonitorServer(handler);
    const unimplemented: Unary = (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED, details: "not served by the harness" });
    const fail = (cb: grpc.sendUnaryData<unknown>, e: unknown): void =>
      cb({ code: grpc.status.UNKNOWN, details: e instanceof Error ? e.message : String(e) });

    const registerResource: Unary = (call, cb) => {
      const req = registration(call.request, call.request.getCustom() === true);
      s.handler.register(req).then(
        (rep) => {
          const res = new resourceProto.RegisterResourceResponse();
          res.setUrn(rep.urn);
          res.setId(rep.id);
          res.setObject(toStruct(rep.outputs));
          cb(null, res);
        },
        (e: unknown) => fail(cb, e),
      );
    };
    const readResource: Unary = (call, cb) => {
      const req = { ...registration(call.request, true), getId: String(call.request.getId()) };
      s.handler.register(req).then(
        (rep) => {
          const res = new resourceProto.ReadResourceResponse();
          res.setUrn(rep.urn);
          res.setProperties(toStruct(rep.outputs));
          cb(null, res);
        },
        (e: unknown) => fail(cb, e),
      );
    };
    s.server.addService(resourceServices.ResourceMonitorService, {
      getDeploymentInfo: unimplemented,
      supportsFeature: ((call, cb) => {
        const res = new resourceProto.SupportsFeatureResponse();
        res.setHassupport(FEATURES.has(String(call.request.getId())));
        cb(null, res);
      }) as Unary,
      invoke: unimplemented,
      call: unimplemented,
      readResource,
      existsResource: unimplemented,
      registerResource,
      registerResourceOutputs: ((call, cb) => {
        s.handler.registerOutputs(String(call.request.getUrn()), fromStruct(call.request.getOutputs() as never) ?? {});
        cb(null, new empty.Empty());
      }) as Unary,
      registerStackTransform: unimplemented,
      registerStackInvokeTransform: unimplemented,
      registerResourceHook: unimplemented,
      registerErrorHook: unimplemented,
      registerPackage: unimplemented,
      // Every registration has been answered by the time the SDK asks: nothing more to wait for here.
      signalAndWaitForShutdown: ((_call, cb) => cb(null, new empty.Empty())) as Unary,
    });
    s.server.addService(engineServices.EngineService, {
      log: ((call, cb) => {
        s.log.push({ severity: Number(call.request.getSeverity()), message: String(call.request.getMessage()), urn: String(call.request.getUrn()) });
        cb(null, new empty.Empty());
      }) as Unary,
      getRootResource: ((_call, cb) => {
        const res = new engineProto.GetRootResourceResponse();
        res.setUrn(s.rootResource);
        cb(null, res);
      }) as Unary,
      setRootResource: ((call, cb) => {
        s.rootResource = String(call.request.getUrn());
        cb(null, new engineProto.SetRootResourceResponse());
      }) as Unary,
      startDebugging: unimplemented,
      requirePulumiVersion: ((_call, cb) => cb(null, new engineProto.RequirePulumiVersionResponse())) as Unary,
    });
    const port = await new Promise<number>((resolve, reject) =>
      s.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    s.address = `127.0.0.1:${port}`;
    return s;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      // A program killed mid-call leaves its channel open: do not wait for it for ever.
      const t = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000);
      this.server.tryShutdown(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
