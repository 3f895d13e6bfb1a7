/**
 * The provider object serialized into every resource's state. It holds nothing but the module
 * name of its reconciler and requires the installed package's code inside each call, so:
 *  - state stays small (under 2 KB of provider text per resource);
 *  - nothing unserializable or secret is captured (clients, agents and settings are built inside
 *    the call, from configure() or the environment);
 *  - a fixed read()/delete() takes effect at once: the host runs the provider text stored in old
 *    outputs for refresh and destroy, and that text only says "require the installed package".
 */
import type * as pulumi from "@pulumi/pulumi";

export type ReconcilerName = "osMachine" | "ovfExport" | "osLayer";

type Provider = pulumi.dynamic.ResourceProvider;

// One object per reconciler: the SDK serializes a provider once per object (a closure walk of
// tens of milliseconds), so a program of many resources would otherwise pay it for each.
const made = new Map<ReconcilerName, Provider>();

export function trampoline(name: ReconcilerName): Provider {
  let p = made.get(name);
  if (!p) {
    p = makeTrampoline(name);
    made.set(name, p);
  }
  return p;
}

function makeTrampoline(name: ReconcilerName): Provider {
  // Resolved by the dynamic-provider host from the program's directory (its node_modules).
  // The resource's folder, by its index file: a stale dist/provider/<name>.js of an older build cannot shadow it.
  const reconciler = `pulumi-applayering/dist/provider/${name}/index`;
  const config = "pulumi-applayering/dist/provider/config";
  const impl = (): Required<Provider> => require(reconciler);
  return {
    configure: async (req) => {
      require(config).setHostConfig({ get: (key: string) => req.config.get(key) });
    },
    check: (olds, news) => impl().check(olds, news),
    diff: (id, olds, news) => impl().diff(id, olds, news),
    create: (inputs) => impl().create(inputs),
    read: (id, props) => impl().read(id, props),
    update: (id, olds, news) => impl().update(id, olds, news),
    delete: (id, props) => impl().delete(id, props),
  };
}
