/** The SDK's OsLayer imported straight from an OsMachine: the machine's moref and name become its source. */
import * as pulumi from "@pulumi/pulumi";
import { OsLayer, OsMachine } from "../../../sdk";

const inputs = new Map<string, Record<string, unknown>>();

beforeAll(() => {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        inputs.set(args.name, args.inputs);
        const extra = args.type.endsWith(":OsMachine") ? { moref: "vm-7" } : { layerId: "1" };
        return { id: `${args.name}-id`, state: { ...args.inputs, ...extra } };
      },
      call: (args) => args.inputs,
    },
    "p",
    "s",
    false,
  );
});

it("passes the machine as vmMoref and vmName, and nothing of the SDK object itself", async () => {
  const machine = new OsMachine("gold", { name: "gold-vm", datacenter: "DC0", datastore: "ds", network: "VM Network" });
  const layer = new OsLayer("layer", { connector: "vSphere", machine, version: "1.0" });
  await new Promise((resolve) => layer.layerId.apply(resolve));
  expect(inputs.get("layer")).toMatchObject({ vmMoref: "vm-7", vmName: "gold-vm", name: "layer" });
  expect(inputs.get("layer")).not.toHaveProperty("machine");
});
