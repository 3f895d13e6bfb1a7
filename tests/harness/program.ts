/**
 * Programs, written the way a Pulumi TypeScript program reads:
 *
 *   const vm = resource(machines, "vm", { cpus: 2, password: secret(pw) }, { module: "lab", type: "Machine" });
 *   const exp = resource(exports, "export", { moref: vm.output("moref") }, { module: "lab", type: "Export" });
 *   const program = [vm, exp];
 *
 * A resource's provider is serialized exactly as `new dynamic.Resource` does it
 * (`serializeFunction(() => provider, { allowSecrets: true })`, cached per object), so the host runs
 * the same `__provider` text a real program would store.
 */
import * as pulumi from "@pulumi/pulumi";
import { isSecret, JsonValue, SECRET_SIG, SIG_KEY, UNKNOWN } from "./wire";

export type ProviderObject = pulumi.dynamic.ResourceProvider;

export interface SerializedProvider {
  text: string;
  /** True when the closure captured a secret Output: `__provider` is then stored as a secret. */
  containsSecrets: boolean;
}

/** A reference to another resource's output (or its id), resolved by the engine when it runs. */
export class OutputRef {
  constructor(readonly resource: string, readonly key: string | { id: true }) {}

  describe(): string {
    return typeof this.key === "string" ? `${this.resource}.${this.key}` : `${this.resource}.id`;
  }
}

/** An input: plain JSON, secrets (`secret()`), the unknown placeholder, and references. */
export type Input = JsonValue | OutputRef | Input[] | { [key: string]: Input };
export type InputMap = { [key: string]: Input };

export interface ResourceOptions {
  /** Outputs to store as secrets although no same-named input was secret. */
  additionalSecretOutputs?: string[];
  deleteBeforeReplace?: boolean;
  protect?: boolean;
  retainOnDelete?: boolean;
  /** Input paths whose changes are ignored: top-level keys or dotted paths (`tags.owner`). */
  ignoreChanges?: string[];
  /** Names of resources this one depends on without referencing their outputs. */
  dependsOn?: string[];
}

export interface DeclareOptions extends ResourceOptions {
  /** Type token `pulumi-nodejs:dynamic/<module>:<type>`, as dynamic.Resource's last two arguments. */
  module?: string;
  type?: string;
}

export class ResourceDeclaration {
  constructor(
    readonly name: string,
    readonly type: string,
    readonly provider: ProviderObject | SerializedProvider,
    readonly inputs: InputMap,
    readonly options: ResourceOptions,
    /** Set for `get`: read the existing object with this id instead of managing it. */
    readonly getId?: string,
  ) {}

  output(key: string): OutputRef {
    return new OutputRef(this.name, key);
  }

  get id(): OutputRef {
    return new OutputRef(this.name, { id: true });
  }
}

export type Program = readonly ResourceDeclaration[];

export function dynamicType(module?: string, type = "Resource"): string {
  return `pulumi-nodejs:dynamic${module ? `/${module}` : ""}:${type}`;
}

/** `new dynamic.Resource(provider, name, inputs, opts, module, type)`. */
export function resource(provider: ProviderObject | SerializedProvider, name: string, inputs: InputMap, opts: DeclareOptions = {}): ResourceDeclaration {
  if ("__provider" in inputs) throw new Error(`${name}: a dynamic resource must not define the __provider key`);
  const { module, type, ...options } = opts;
  return new ResourceDeclaration(name, dynamicType(module, type), provider, inputs, options);
}

/** `dynamic.Resource` with `{ id }`: a read of an existing object (the SDK's `get`). */
export function get(provider: ProviderObject | SerializedProvider, name: string, id: string, inputs: InputMap = {}, opts: DeclareOptions = {}): ResourceDeclaration {
  const { module, type, ...options } = opts;
  return new ResourceDeclaration(name, dynamicType(module, type), provider, inputs, options, id);
}

export function ref(resourceName: string, key: string): OutputRef {
  return new OutputRef(resourceName, key);
}

export function refId(resourceName: string): OutputRef {
  return new OutputRef(resourceName, { id: true });
}

/**
 * `pulumi.secret(v)` for an input; also marks stack config values as secret. The result is the wire
 * form `{<sig>: <secret sig>, value}`; around a reference the engine resolves the reference inside.
 */
export function secret(value: JsonValue): JsonValue;
export function secret(value: Input): Input;
export function secret(value: Input): Input {
  if (isSecret(value as JsonValue)) return value;
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** A value only known after apply, as a preview sees it: the engine's unknown sentinel. */
export const unknown: string = UNKNOWN;

export function isSerializedProvider(p: ProviderObject | SerializedProvider): p is SerializedProvider {
  return typeof (p as SerializedProvider).text === "string" && typeof (p as SerializedProvider).containsSecrets === "boolean";
}

const serialized = new WeakMap<object, Promise<SerializedProvider>>();

/** The `__provider` text for a provider object, cached per object like the SDK's own cache. */
export function serializeProvider(provider: ProviderObject | SerializedProvider): Promise<SerializedProvider> {
  if (isSerializedProvider(provider)) return Promise.resolve(provider);
  let p = serialized.get(provider);
  if (!p) {
    p = pulumi.runtime
      .serializeFunction(() => provider, { allowSecrets: true })
      .then((sf) => ({ text: sf.text, containsSecrets: sf.containsSecrets }));
    serialized.set(provider, p);
  }
  return p;
}
