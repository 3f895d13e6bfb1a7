import { checkOvfExport } from "../../../provider/ovfExport/check";
import { diffOvfExport } from "../../../provider/ovfExport/diff";
import type { OvfExportOutputs } from "../../../provider/ovfExport/types";

const good = { vmMoref: "vm-42", shareFolder: "\\\\fs\\layers\\exports", name: "win2022" };

describe("OvfExport check()", () => {
  it("accepts UNC paths with either slash", () => {
    expect(checkOvfExport(good).failures).toEqual([]);
    expect(checkOvfExport({ ...good, shareFolder: "//fs/layers" }).failures).toEqual([]);
  });
  it.each([
    [{ shareFolder: "C:\\exports" }, "shareFolder", /UNC path/],
    [{ shareFolder: "\\\\fs" }, "shareFolder", /UNC path/],
    [{ name: "../x" }, "name", /plain folder name/],
    [{ name: ".hidden" }, "name", /plain folder name/],
    [{ vmMoref: undefined }, "vmMoref", /name the VM/],
    [{ exportTimeout: 0 }, "exportTimeout", /at least 0.01/],
  ])("rejects %j in %s", (patch, property, reason) => {
    const f = checkOvfExport({ ...good, ...patch }).failures.find((x) => x.property === property);
    expect(f?.reason).toMatch(reason);
  });
});

describe("OvfExport diff()", () => {
  const olds = checkOvfExport({ ...good, vmChangeVersion: "1" }).inputs as OvfExportOutputs;
  it("replaces on new VM content, without deleting dependents first", () => {
    const d = diffOvfExport(olds, checkOvfExport({ ...good, vmChangeVersion: "2" }).inputs);
    expect(d.replaces).toEqual(["vmChangeVersion"]);
    expect(d.deleteBeforeReplace).toBe(false);
  });
  it("updates retainFiles in place", () => {
    expect(diffOvfExport(olds, checkOvfExport({ ...good, vmChangeVersion: "1", retainFiles: true }).inputs)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });
});
