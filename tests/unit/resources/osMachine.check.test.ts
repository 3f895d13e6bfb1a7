import { checkOsMachine } from "../../../provider/osMachine/check";
import { diffOsMachine } from "../../../provider/osMachine/diff";
import type { OsMachineOutputs } from "../../../provider/osMachine/types";

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
  it("replaces for guest OS, datacenter, template, or a shrinking disk", () => {
    expect(diff({ guestId: "windows9Server64Guest" }).replaces).toEqual(["guestId"]);
    expect(diff({ datacenter: "DC1" }).replaces).toEqual(["datacenter"]);
    expect(diff({ diskGb: 40 }).replaces).toEqual(["diskGb"]);
    expect(diff({ diskGb: 40 }).deleteBeforeReplace).toBe(true);
  });
  it("reports nothing for the same inputs", () => {
    expect(diff({}).changes).toBe(false);
  });
});
