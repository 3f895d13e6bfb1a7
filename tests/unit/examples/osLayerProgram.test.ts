/**
 * The example program under pulumi.runtime.setMocks: the resources it declares, how their
 * outputs feed each other, and what lands in their inputs (the serialized provider included).
 */
import * as pulumi from "@pulumi/pulumi";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const registered: Registered[] = [];

function outputsFor(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  if (type.endsWith(":OsMachine")) {
    return { ...inputs, moref: "vm-101", inventoryPath: `DC0/vm/${inputs.name}`, changeVersion: "cv-1", snapshotId: "snapshot-7", osLayerReady: true, osLayerUnmet: [] };
  }
  if (type.endsWith(":OvfExport")) {
    return { ...inputs, ovfSharePath: `exports/${inputs.name}/${inputs.name}.ovf`, ovfUncPath: `\\\\fs\\layers\\exports\\${inputs.name}\\${inputs.name}.ovf` };
  }
  if (type.endsWith(":OsLayer")) return { ...inputs, layerId: "32768", versions: [{ name: inputs.version, state: "Deployable" }], packagingMachine: "" };
  return inputs;
}

beforeAll(() => {
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: outputsFor(args.type, args.name, args.inputs) };
      },
      call: (args) => args.inputs,
    },
    "applayering-os-layer",
    "dev",
    false,
  );
  pulumi.runtime.setAllConfig({
    "applayering-os-layer:shareFolder": "\\\\fs\\layers\\exports",
    "applayering-os-layer:connector": "vSphere",
    "applayering-os-layer:version": "1.1",
  });
});

function value<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply(resolve));
}

describe("examples/os-layer under mocks", () => {
  let program: typeof import("../../../examples/os-layer/index");

  beforeAll(async () => {
    program = await import("../../../examples/os-layer/index");
    await value(program.layerId);
  });

  it("declares the chain with the package's type tokens", () => {
    expect(registered.map((r) => r.type).sort()).toEqual([
      "pulumi-nodejs:dynamic/applayering:OsLayer",
      "pulumi-nodejs:dynamic/applayering:OsMachine",
      "pulumi-nodejs:dynamic/applayering:OvfExport",
    ]);
  });

  it("feeds the machine's outputs to the export and the export's .ovf to the layer", () => {
    const ovf = registered.find((r) => r.type.endsWith(":OvfExport"))!;
    const layer = registered.find((r) => r.type.endsWith(":OsLayer"))!;
    expect(ovf.inputs).toMatchObject({ vmMoref: "vm-101", vmChangeVersion: "cv-1", vmSnapshotId: "snapshot-7", shareFolder: "\\\\fs\\layers\\exports" });
    expect(layer.inputs).toMatchObject({ ovfPath: "exports/win2022/win2022.ovf", version: "1.1", connector: "vSphere", name: "Windows Server 2022" });
  });

  it("exports the stack outputs", async () => {
    expect(await value(program.layerId)).toBe("32768");
    expect(await value(program.ovfFile)).toBe("\\\\fs\\layers\\exports\\win2022\\win2022.ovf");
  });

  it("serializes a thin provider that requires the package's reconciler and captures no settings", () => {
    for (const r of registered) {
      const text = r.inputs.__provider as string;
      expect(typeof text).toBe("string");
      expect(text.length).toBeLessThan(4096);
      const kind = r.type.split(":").pop()!;
      expect(text).toContain(`pulumi-applayering/dist/provider/${kind[0].toLowerCase()}${kind.slice(1)}`);
      expect(text).not.toMatch(/password|VSPHERE_|APPLAYERING_/i);
    }
  });
});
