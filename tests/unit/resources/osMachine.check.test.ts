import { checkOsMachine } from "../../../provider/osMachine/check";
import { diffOsMachine } from "../../../provider/osMachine/diff";
import type { OsMachineOutputs } from "../../../provider/osMachine/types";
import { UNKNOWN } from "../../../provider/inputs";

const good = { name: "win2022-os", datacenter: "DC0", datastore: "LocalDS_0", network: "VM Network" };

describe("OsMachine check()", () => {
  it("defaults to a powered-off BIOS Windows Server VM", () => {
    const { inputs, failures } = checkOsMachine(good);
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({ guestId: "windows2019srv_64Guest", cpus: 2, memoryMb: 4096, diskGb: 60, firmware: "bios", powerState: "poweredOff" });
  });

  it.each([
    [{ guestId: "ubuntu64Guest" }, "guestId", /not a Windows guest id/],
    [{ cpus: 0 }, "cpus", /at least 1/],
    [{ memoryMb: 512 }, "memoryMb", /at least 1024 MB/],
    [{ diskGb: 0 }, "diskGb", /at least 1 GB/],
    [{ firmware: "uefi" }, "firmware", /"bios" or "efi"/],
    [{ powerState: "suspended" }, "powerState", /poweredOff/],
    [{ datastore: undefined }, "datastore", /required to create/],
    [{ network: undefined }, "network", /port group/],
    [{ template: "DC0\\vm\\t" }, "template", /inventory path/],
    [{ adoptInventoryPath: "DC0/vm/x", template: "DC0/vm/t" }, "template", /not both/],
    [{ name: "a/b" }, "name", /must not contain/],
    [{ datacenter: "" }, "datacenter", /required/],
  ])("rejects %j in %s", (patch, property, reason) => {
    const f = checkOsMachine({ ...good, ...patch }).failures.find((x) => x.property === property);
    expect(f?.reason).toMatch(reason);
  });

  it("needs neither datastore nor network to adopt", () => {
    expect(checkOsMachine({ name: "x", datacenter: "DC0", adoptInventoryPath: "DC0/vm/x" }).failures).toEqual([]);
  });
});

describe("OsMachine diff()", () => {
  const olds = checkOsMachine(good).inputs as OsMachineOutputs;
  const diff = (patch: Record<string, unknown>) => diffOsMachine(olds, checkOsMachine({ ...good, ...patch }).inputs);
  it("updates CPU, memory, power, snapshot and a growing disk in place", () => {
    for (const p of [{ cpus: 4 }, { memoryMb: 8192 }, { powerState: "poweredOn" }, { snapshotName: "base" }, { diskGb: 80 }]) {
      expect(diff(p)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    }
  });
  it("replaces for guest OS, datacenter or template, the old VM first when the new one takes its name", () => {
    expect(diff({ guestId: "windows9Server64Guest" }).replaces).toEqual(["guestId"]);
    expect(diff({ datacenter: "DC1" })).toEqual({ changes: true, replaces: ["datacenter"], deleteBeforeReplace: true });
    expect(diff({ datacenter: "DC1", folder: "Other" }).deleteBeforeReplace).toBe(false);
    expect(diff({ datacenter: "DC1", name: UNKNOWN }).deleteBeforeReplace).toBe(true);
  });

  it("renames in place, and never replaces for a smaller disk (disks only grow)", () => {
    expect(diff({ name: "renamed" })).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(diff({ diskGb: 40 }).replaces).toEqual([]);
  });

  it("never replaces because of what vSphere reports: outputs keep the program's replace keys", () => {
    const outs = { ...olds, guestId: "windows2019srv_64Guest", vmGuestId: "otherGuest", vmFirmware: "efi" } as OsMachineOutputs;
    expect(diffOsMachine(outs, checkOsMachine(good).inputs).changes).toBe(false);
  });

  it("sees drift it repairs: a NIC no longer VMXNet3, the named snapshot gone", () => {
    const inputs = checkOsMachine({ ...good, snapshotName: "base" }).inputs;
    const base = { ...inputs, nicType: "VirtualVmxnet3", snapshotId: "snapshot-1" } as OsMachineOutputs;
    expect(diffOsMachine(base, inputs).changes).toBe(false);
    expect(diffOsMachine({ ...base, nicType: "VirtualE1000" }, inputs).changes).toBe(true);
    expect(diffOsMachine({ ...base, snapshotId: "" }, inputs).changes).toBe(true);
  });

  it("an adopted VM's name and firmware are not compared", () => {
    const adopt = { name: "win2022-os", datacenter: "DC0", adoptInventoryPath: "DC0/vm/golden" };
    const outs = { ...checkOsMachine({ ...adopt, name: "golden" }).inputs } as OsMachineOutputs;
    expect(diffOsMachine(outs, checkOsMachine(adopt).inputs).changes).toBe(false);
  });

  it("refuses a new network for an existing VM, naming the fix", () => {
    const f = checkOsMachine({ ...good, network: "Other PG" }, { ...good }).failures;
    expect(f[0]?.reason).toMatch(/OsMachine\.network: .*change the port group in vSphere/);
    expect(checkOsMachine({ ...good, network: "Other PG", datacenter: "DC1" }, { ...good }).failures).toEqual([]);
  });
  it("reports nothing for the same inputs", () => {
    expect(diff({}).changes).toBe(false);
  });
});
