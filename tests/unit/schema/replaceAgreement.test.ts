/**
 * check() and diff() read one table per resource: a field that replaces the object in diff() is
 * also one that lets check() accept a change it otherwise refuses (the OsMachine's network).
 */
import { checkOsMachine } from "../../../provider/osMachine/check";
import { diffOsMachine } from "../../../provider/osMachine/diff";
import { OS_MACHINE } from "../../../provider/osMachine/schema";
import { diffOsLayer } from "../../../provider/osLayer/diff";
import { checkOsLayer } from "../../../provider/osLayer/check";
import { OS_LAYER } from "../../../provider/osLayer/schema";
import { diffOvfExport } from "../../../provider/ovfExport/diff";
import { checkOvfExport } from "../../../provider/ovfExport/check";
import { OVF_EXPORT } from "../../../provider/ovfExport/schema";
import { keysWhere } from "../../../provider/schema";
import { UNKNOWN } from "../../../provider/inputs";

const machine = { name: "win2022-os", datacenter: "DC0", datastore: "LocalDS_0", network: "VM Network" };

describe("OsMachine: check() and diff() agree on what replaces the VM", () => {
  // Before the table, check() listed its own replacing keys and lacked these two, so it refused
  // the new network although diff() would replace the VM anyway.
  it.each([
    ["guestId", "windows2022srvNext_64Guest"],
    ["firmware", "efi"],
  ])("a new network with a new %s is a new VM: check() accepts it, diff() replaces", (key, value) => {
    const olds = checkOsMachine(machine).inputs;
    const news = checkOsMachine({ ...machine, network: "Other PG", [key]: value }, olds);
    expect(news.failures).toEqual([]);
    expect(diffOsMachine(olds, news.inputs).replaces).toEqual([key]);
  });

  it("every replacing field of the table lets the network change, and diff() replaces on it", () => {
    const values: Record<string, string> = {
      datacenter: "DC1",
      folder: "Layering",
      resourcePool: "DC0/host/DC0_C0/Resources",
      datastore: "LocalDS_1",
      guestId: "windows2022srvNext_64Guest",
      firmware: "efi",
      template: "DC0/vm/Templates/win2022",
      adoptInventoryPath: "DC0/vm/golden",
    };
    expect(keysWhere(OS_MACHINE, "replace").sort()).toEqual(Object.keys(values).sort());
    const olds = checkOsMachine(machine).inputs;
    for (const [k, v] of Object.entries(values)) {
      const news = checkOsMachine({ ...machine, network: "Other PG", [k]: v }, olds);
      expect({ k, failures: news.failures.filter((f) => f.property === "network") }).toEqual({ k, failures: [] });
      expect(diffOsMachine(olds, news.inputs).replaces).toContain(k);
    }
  });

  it("a new network alone is still refused, naming the fix", () => {
    const olds = checkOsMachine(machine).inputs;
    expect(checkOsMachine({ ...machine, network: "Other PG" }, olds).failures[0]?.reason).toMatch(/OsMachine\.network: .*change the port group/);
  });

  it("every update field is updated in place, never replaced", () => {
    const olds = checkOsMachine({ ...machine, snapshotName: "a" }).inputs;
    const values: Record<string, unknown> = { name: "win2022-b", cpus: 4, memoryMb: 8192, diskGb: 80, powerState: "poweredOn", snapshotName: "b", operationTimeout: 5, prepare: { installTools: false } };
    expect(keysWhere(OS_MACHINE, "update").sort()).toEqual(Object.keys(values).sort());
    for (const [k, v] of Object.entries(values)) {
      const d = diffOsMachine({ ...olds, snapshotId: "snapshot-1" }, checkOsMachine({ ...machine, snapshotName: "a", [k]: v }).inputs);
      expect({ k, changes: d.changes, replaces: d.replaces }).toEqual({ k, changes: true, replaces: [] });
    }
  });
});

describe("OsLayer and OvfExport diff() follow their tables", () => {
  const layer = { name: "L", connector: "vSphere", ovfPath: "exports/a/a.ovf", version: "1.0" };
  it("OsLayer: the source replaces (the old layer first, as the name stays), the rest updates", () => {
    const olds = checkOsLayer(layer).inputs;
    expect(keysWhere(OS_LAYER, "replace")).toEqual(["ovfPath", "vmMoref"]);
    expect(diffOsLayer(olds, checkOsLayer({ ...layer, ovfPath: "exports/b/b.ovf" }).inputs)).toEqual({ changes: true, replaces: ["ovfPath"], deleteBeforeReplace: true });
    expect(diffOsLayer(olds, checkOsLayer({ ...layer, version: "2.0" }).inputs)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it("OsLayer: an unknown export path is no replace (the engine would delete the layer ahead of its machine's delete-before-replace)", () => {
    const olds = checkOsLayer(layer).inputs;
    expect(diffOsLayer(olds, { ...olds, ovfPath: UNKNOWN })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    // An unknown VM source does replace: a new machine is a new source, and the preview says so.
    const fromVm = checkOsLayer({ name: "L", connector: "vSphere", vmMoref: "vm-1", version: "1.0" }).inputs;
    expect(diffOsLayer(fromVm, { ...fromVm, vmMoref: UNKNOWN }).replaces).toEqual(["vmMoref"]);
  });

  const exp = { vmMoref: "vm-1", vmInventoryPath: "DC0/vm/a", shareFolder: "\\\\h\\s\\exports", name: "a" };
  it("OvfExport: new content replaces, never deleting first; a moved VM with the same moref is no change", () => {
    const olds = checkOvfExport(exp).inputs;
    expect(keysWhere(OVF_EXPORT, "update")).toEqual(["retainFiles", "exportTimeout"]);
    expect(diffOvfExport(olds, checkOvfExport({ ...exp, vmChangeVersion: "2" }).inputs)).toEqual({ changes: true, replaces: ["vmChangeVersion"], deleteBeforeReplace: false });
    expect(diffOvfExport(olds, checkOvfExport({ ...exp, vmInventoryPath: "DC0/vm/moved" }).inputs).changes).toBe(false);
    const byPath = checkOvfExport({ ...exp, vmMoref: undefined }).inputs;
    expect(diffOvfExport(byPath, { ...byPath, vmInventoryPath: "DC0/vm/moved" }).replaces).toEqual(["vmInventoryPath"]);
  });
});
