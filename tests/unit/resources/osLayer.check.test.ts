import { checkOsLayer } from "../../../provider/osLayer/check";
import { diffOsLayer } from "../../../provider/osLayer/diff";
import { UNKNOWN } from "../../../provider/inputs";
import type { OsLayerOutputs } from "../../../provider/osLayer/types";

const good = { name: "Win2022", connector: "vSphere", ovfPath: "exports/win2022/win2022.ovf", version: "1.0" };

describe("OsLayer check()", () => {
  it("applies the wizard's defaults", () => {
    const { inputs, failures } = checkOsLayer(good);
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({ maxLayerSizeGb: 100, adoptExisting: false, createTimeout: 120, versionTimeout: 240 });
    expect(Object.values(inputs)).not.toContain(undefined);
  });

  it.each([
    [{ name: "" }, "name", /required/],
    [{ name: "a/b" }, "name", /must not contain/],
    [{ name: "x".repeat(65) }, "name", /at most 64/],
    [{ version: "" }, "version", /required/],
    [{ version: "1:0" }, "version", /must not contain/],
    [{ maxLayerSizeGb: 0 }, "maxLayerSizeGb", /at least 1 GB/],
    [{ maxLayerSizeGb: 5000 }, "maxLayerSizeGb", /at most 2040 GB/],
    [{ maxLayerSizeGb: 1.5 }, "maxLayerSizeGb", /whole number/],
    [{ maxLayerSizeGb: "lots" }, "maxLayerSizeGb", /must be a number/],
    [{ createTimeout: -5 }, "createTimeout", /at least 0.01 minutes/],
    [{ connector: undefined }, "connector", /required/],
    [{ ovfPath: undefined }, "ovfPath", /needs a source/],
    [{ vmMoref: "vm-42", vmName: "win2022" }, "vmMoref", /only one source/],
    [{ ovfPath: undefined, vmMoref: "vm-42" }, "vmName", /needs both/],
    [{ keepVersions: 0 }, "keepVersions", /at least 1 versions/],
    [{ keepVersions: 1.5 }, "keepVersions", /whole number/],
    [{ updateImageTemplates: "Sales" }, "updateImageTemplates", /list of strings/],
    [{ updateImageTemplates: ["Sales", "Sales"] }, "updateImageTemplates[1]", /listed twice/],
    [{ updateImageTemplates: [""] }, "updateImageTemplates[0]", /non-empty/],
    [{ ovfPath: undefined, vmMoref: "42x", vmName: "w" }, "vmMoref", /managed object id/],
    [{ icon: "Windows" }, "icon", /icon id/],
    [{ ovfPath: "\\\\fs\\layers\\x.ovf" }, "ovfPath", /relative to the file share/],
    [{ ovfPath: "exports/x.vmdk" }, "ovfPath", /\.ovf file/],
    [{ adoptExisting: "maybe" }, "adoptExisting", /true or false/],
  ])("rejects %j in %s", (patch, property, reason) => {
    const { failures } = checkOsLayer({ ...good, ...patch });
    const f = failures.find((x) => x.property === property);
    expect(f?.reason).toMatch(reason);
    expect(f?.reason).toMatch(new RegExp(`^OsLayer\\.${property.replace(/[[\]]/g, "\\$&")}: `));
  });

  it("lets unknown values through during preview", () => {
    const { failures, inputs } = checkOsLayer({ ...good, ovfPath: UNKNOWN, version: UNKNOWN });
    expect(failures).toEqual([]);
    expect(inputs.ovfPath).toBe(UNKNOWN);
  });
});

describe("OsLayer diff()", () => {
  const olds = { ...checkOsLayer(good).inputs, layerId: "32768" } as OsLayerOutputs;
  const diff = (patch: Record<string, unknown>) => diffOsLayer(olds, checkOsLayer({ ...good, ...patch }).inputs);

  it("reports no change for the same inputs", () => {
    expect(diff({})).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });
  it("updates in place for name, descriptions, icon and a new version", () => {
    for (const patch of [{ name: "Other" }, { description: "d" }, { icon: "196609" }, { version: "2.0" }, { versionDescription: "v" }]) {
      expect(diff(patch)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    }
  });
  it("replaces for a different source, deleting first since the name stays", () => {
    expect(diff({ ovfPath: "exports/other/other.ovf" })).toEqual({ changes: true, replaces: ["ovfPath"], deleteBeforeReplace: true });
    expect(diff({ ovfPath: "exports/o/o.ovf", name: "New" }).deleteBeforeReplace).toBe(false);
  });
});
