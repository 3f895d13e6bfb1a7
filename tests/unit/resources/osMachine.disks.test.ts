/**
 * OsMachine.disks: check() reads the list (sizes, count, shape, naming the entry), diff() sees a
 * new or larger disk as an in-place update, and check() refuses what would lose a disk's data.
 */
import { checkOsMachine } from "../../../provider/osMachine/check";
import { diffOsMachine } from "../../../provider/osMachine/diff";
import { outputsOf } from "../../../provider/osMachine/state";
import type { OsMachineOutputs } from "../../../provider/osMachine/types";
import type { VmInfo } from "../../../provider/vsphere";
import { UNKNOWN } from "../../../provider/inputs";

const good = { name: "win2022-os", datacenter: "DC0", datastore: "LocalDS_0", network: "VM Network" };
const reasons = (patch: Record<string, unknown>, olds: object = {}) => checkOsMachine({ ...good, ...patch }, olds).failures.filter((f) => f.property === "disks").map((f) => f.reason);

describe("OsMachine.disks in check()", () => {
  it("reads a list of sizes (numeric strings too, as config gives them)", () => {
    const { inputs, failures } = checkOsMachine({ ...good, disks: [{ sizeGb: 20 }, { sizeGb: "5" }] });
    expect(failures).toEqual([]);
    expect(inputs.disks).toEqual([{ sizeGb: 20 }, { sizeGb: 5 }]);
  });

  it("leaves an absent list absent", () => {
    expect("disks" in checkOsMachine(good).inputs).toBe(false);
  });

  it.each([
    [{ sizeGb: 0 }, /disks\[0\]\.sizeGb: must be a whole number of GB from 1 to 2040, got 0/],
    [{ sizeGb: -3 }, /disks\[0\]\.sizeGb: .* got -3/],
    [{ sizeGb: 1.5 }, /disks\[0\]\.sizeGb: .* got 1\.5/],
    [{ sizeGb: 5000 }, /disks\[0\]\.sizeGb: .* got 5000/],
    [{}, /disks\[0\]\.sizeGb: .* got undefined/],
    [{ sizeGb: 1, thin: false }, /disks\[0\]\.thin: is not a setting of a disk; use sizeGb/],
    [20, /disks\[0\]: must be an object such as \{ sizeGb: 20 \}, got 20/],
  ])("refuses the entry %j, naming it", (entry, reason) => {
    expect(reasons({ disks: [entry] })).toEqual([expect.stringMatching(reason)]);
  });

  it("refuses a list that is no list, and more disks than one controller holds", () => {
    expect(reasons({ disks: { sizeGb: 1 } })).toEqual([expect.stringMatching(/OsMachine\.disks: must be a list such as \[\{ sizeGb: 20 \}\]/)]);
    expect(reasons({ disks: Array.from({ length: 14 }, () => ({ sizeGb: 1 })) })).toEqual([]);
    expect(reasons({ disks: Array.from({ length: 15 }, () => ({ sizeGb: 1 })) })).toEqual([expect.stringMatching(/declares 15 disks; .* at most 14/)]);
  });

  it("lets unknowns of a preview through", () => {
    expect(checkOsMachine({ ...good, disks: UNKNOWN }).failures).toEqual([]);
    expect(checkOsMachine({ ...good, disks: [{ sizeGb: UNKNOWN }] }).failures).toEqual([]);
  });

  const olds = { ...good, disks: [{ sizeGb: 10 }, { sizeGb: 20 }] };
  it("refuses a smaller disk, naming the entry and the size to keep", () => {
    expect(reasons({ disks: [{ sizeGb: 10 }, { sizeGb: 15 }] }, olds)).toEqual([
      "OsMachine.disks[1].sizeGb: the disk is 20 GB and disks never shrink (its data would be lost): set sizeGb to at least 20",
    ]);
  });

  it("refuses a disk left out of the list, or the list removed, with the fix", () => {
    for (const disks of [[{ sizeGb: 10 }], undefined]) {
      expect(reasons({ disks }, olds)).toEqual([expect.stringMatching(/OsMachine\.disks: the VM has 2 data disk\(s\) .* never removes a disk .* Keep the entries/)]);
    }
  });

  it("accepts more and larger disks, and anything on a VM that is replaced anyway", () => {
    expect(reasons({ disks: [{ sizeGb: 11 }, { sizeGb: 20 }, { sizeGb: 1 }] }, olds)).toEqual([]);
    expect(reasons({ disks: [{ sizeGb: 1 }], datastore: "LocalDS_1" }, olds)).toEqual([]);
  });
});

describe("OsMachine.disks in diff()", () => {
  const olds = checkOsMachine({ ...good, disks: [{ sizeGb: 10 }] }).inputs as OsMachineOutputs;
  const diff = (disks: unknown) => diffOsMachine(olds, checkOsMachine({ ...good, disks }).inputs);
  it("a new disk or a larger one is an update in place; the same list is no change", () => {
    expect(diff([{ sizeGb: 10 }, { sizeGb: 1 }])).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(diff([{ sizeGb: 12 }])).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(diff([{ sizeGb: 10 }]).changes).toBe(false);
  });
});

describe("OsMachine.disks in outputs", () => {
  const vm = (capacitiesGb: number[]): VmInfo =>
    ({
      ref: { type: "VirtualMachine", value: "vm-1" },
      name: "win2022-os",
      disks: capacitiesGb.map((gb, i) => ({ key: 2000 + i, capacityKB: gb * 1024 * 1024, controllerKey: 1000, unitNumber: i })),
      nics: [],
      scsiControllers: [],
      snapshots: [],
      datastores: [],
    }) as unknown as VmInfo;
  const inputs = checkOsMachine({ ...good, disks: [{ sizeGb: 10 }, { sizeGb: 20 }] }).inputs;
  it("are the program's when vSphere has them at least as large; a smaller or missing one shows as drift", () => {
    expect(outputsOf(inputs, vm([60, 10, 30]), "DC0/vm/x", true).disks).toEqual([{ sizeGb: 10 }, { sizeGb: 20 }]);
    expect(outputsOf(inputs, vm([60, 10, 5]), "DC0/vm/x", true).disks).toEqual([{ sizeGb: 10 }, { sizeGb: 5 }]);
    expect(outputsOf(inputs, vm([60, 10]), "DC0/vm/x", true).disks).toEqual([{ sizeGb: 10 }]);
    // The drift is an update, which adds the missing disk back.
    expect(diffOsMachine(outputsOf(inputs, vm([60, 10]), "DC0/vm/x", true), inputs).changes).toBe(true);
  });
});
