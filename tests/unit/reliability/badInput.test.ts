/**
 * Bad input, one row per mistake, through each reconciler's check() (what the dynamic-provider host
 * calls first, with no I/O). Every row must be refused with a failure on the named field whose
 * reason says `<Resource>.<field>:` and how to fix it. Mistakes check() cannot see (a connector, share,
 * icon or inventory path that does not exist, an OVF that fails validation) are in
 * tests/integration/reliability/badInputRemote.test.ts.
 */
import * as osLayerModule from "../../../provider/osLayer";
import * as osMachineModule from "../../../provider/osMachine";
import * as ovfExportModule from "../../../provider/ovfExport";
import { engineView } from "../../harness/reconciler";

const osLayer = engineView(osLayerModule);
const osMachine = engineView(osMachineModule);
const ovfExport = engineView(ovfExportModule);

type Resource = "OsMachine" | "OvfExport" | "OsLayer";
type Row = [Resource, Record<string, unknown>, string, RegExp];

/** Inputs each resource accepts; a row patches one or two fields of them. */
const VALID: Record<Resource, Record<string, unknown>> = {
  OsMachine: { name: "win2022-os", datacenter: "DC0", datastore: "LocalDS_0", network: "VM Network" },
  OvfExport: { vmMoref: "vm-42", shareFolder: "\\\\fs.example.com\\layers\\exports", name: "win2022" },
  OsLayer: { name: "Windows Server 2022", connector: "vSphere", ovfPath: "exports/win2022/win2022.ovf", version: "1.0" },
};

const RECONCILER = { OsMachine: osMachine, OvfExport: ovfExport, OsLayer: osLayer } as const;

// prettier-ignore
const TABLE: Row[] = [
  // resource     inputs (patched onto VALID)                                  field                  what the reason must say (the fix)
  ["OsMachine", { name: "" },                                                   "name",               /is required: set it to a non-empty string/],
  ["OsMachine", { name: "   " },                                                "name",               /is required/],
  ["OsMachine", { name: "x".repeat(81) },                                       "name",               /81 characters long; shorten it to at most 80/],
  ["OsMachine", { name: "win/2022" },                                           "name",               /must not contain % \\ or \//],
  ["OsMachine", { datacenter: "" },                                             "datacenter",         /is required/],
  ["OsMachine", { guestId: "ubuntu64Guest" },                                   "guestId",            /not a Windows guest id.*use one of windows/],
  ["OsMachine", { guestId: "rhel9_64Guest", adoptInventoryPath: "DC0/vm/x" },   "guestId",            /OS layers are Windows/],
  ["OsMachine", { cpus: 0 },                                                    "cpus",               /at least 1, got 0/],
  ["OsMachine", { cpus: 2.5 },                                                  "cpus",               /whole number/],
  ["OsMachine", { memoryMb: 512 },                                              "memoryMb",           /at least 1024 MB/],
  ["OsMachine", { memoryMb: 4097 },                                             "memoryMb",           /multiple of 4 MB.*use e\.g\. 4096/],
  ["OsMachine", { diskGb: 0 },                                                  "diskGb",             /at least 1 GB/],
  ["OsMachine", { diskGb: 4096 },                                               "diskGb",             /at most 2040 GB/],
  ["OsMachine", { firmware: "uefi" },                                           "firmware",           /"bios" or "efi"/],
  ["OsMachine", { powerState: "suspended" },                                    "powerState",         /"poweredOff" or "poweredOn"/],
  ["OsMachine", { template: "DC0\\vm\\tmpl" },                                  "template",           /use \/ between folders/],
  ["OsMachine", { adoptInventoryPath: "DC0\\vm\\old" },                         "adoptInventoryPath", /use \/ between folders/],
  ["OsMachine", { folder: "Templates\\OS" },                                    "folder",             /use \/ between folders/],
  ["OsMachine", { template: "DC0/vm/t", adoptInventoryPath: "DC0/vm/x" },       "template",           /either template .* or adoptInventoryPath .*not both/],
  ["OsMachine", { datastore: undefined },                                       "datastore",          /name the datastore/],
  ["OsMachine", { network: undefined },                                         "network",            /name the port group/],
  ["OsMachine", { operationTimeout: -1 },                                       "operationTimeout",   /at least 0\.01 minutes, got -1/],
  ["OsMachine", { operationTimeout: "soon" },                                   "operationTimeout",   /must be a number minutes, got "soon"/],
  ["OsMachine", { snapshotName: "s".repeat(81) },                               "snapshotName",       /shorten it to at most 80/],
  ["OsMachine", { snapshotName: "\u0001" },                                     "snapshotName",       /control characters \(U\+0001 at position 1\).*remove it/],
  ["OsMachine", { name: "win\u00002022" },                                      "name",               /control characters \(U\+0000 at position 4\)/],
  ["OsMachine", { name: "win\nOsLayer x: done" },                               "name",               /line breaks.*remove it/],
  ["OsMachine", { datastore: "LocalDS_0\t" },                                   "datastore",          /control characters \(U\+0009/],
  ["OsMachine", { cpus: NaN },                                                  "cpus",               /must be a number, got NaN/],
  ["OsMachine", { memoryMb: Infinity },                                         "memoryMb",           /got Infinity/],

  ["OvfExport", { shareFolder: "" },                                            "shareFolder",        /is required/],
  ["OvfExport", { shareFolder: "C:\\exports" },                                 "shareFolder",        /UNC path .*e\.g\. \\\\fileserver/],
  ["OvfExport", { shareFolder: "exports/win2022" },                             "shareFolder",        /UNC path/],
  ["OvfExport", { shareFolder: "\\\\fileserver" },                              "shareFolder",        /UNC path of a folder on the file share/],
  ["OvfExport", { shareFolder: "\\\\fs:99999\\layers" },                        "shareFolder",        /invalid port .*give e\.g\./],
  ["OvfExport", { shareFolder: "\\\\fs\\layers\\..\\..\\etc" },                 "shareFolder",        /must stay inside the share.*give e\.g\./],
  ["OvfExport", { name: "" },                                                   "name",               /is required/],
  ["OvfExport", { name: "n".repeat(101) },                                      "name",               /shorten it to at most 100/],
  ["OvfExport", { name: ".partial" },                                           "name",               /plain folder name.*not starting with "\."/],
  ["OvfExport", { name: "a/b" },                                                "name",               /plain folder name/],
  ["OvfExport", { name: "win\u007f" },                                           "name",               /control characters \(U\+007F/],
  ["OvfExport", { vmMoref: undefined },                                         "vmMoref",            /pass an OsMachine .* or set vmInventoryPath/],
  ["OvfExport", { vmMoref: "VirtualMachine:42" },                               "vmMoref",            /such as "vm-42"/],
  ["OvfExport", { vmMoref: undefined, vmInventoryPath: "DC0\\vm\\win" },        "vmInventoryPath",    /use \/ between folders/],
  ["OvfExport", { exportTimeout: 0 },                                           "exportTimeout",      /at least 0\.01 minutes/],
  ["OvfExport", { exportTimeout: -30 },                                         "exportTimeout",      /at least 0\.01 minutes, got -30/],
  ["OvfExport", { retainFiles: "yes" },                                         "retainFiles",        /true or false/],

  ["OsLayer",   { name: "" },                                                   "name",               /is required/],
  ["OsLayer",   { name: "L".repeat(65) },                                       "name",               /shorten it to at most 64/],
  ["OsLayer",   { name: "Win|2022" },                                           "name",               /must not contain .*\|/],
  ["OsLayer",   { version: "" },                                                "version",            /is required/],
  ["OsLayer",   { version: " " },                                               "version",            /is required/],
  ["OsLayer",   { version: "2024/11" },                                         "version",            /must not contain .*names disk files after it/],
  ["OsLayer",   { version: "v".repeat(65) },                                    "version",            /shorten it to at most 64/],
  ["OsLayer",   { version: "1.0\n" },                                           "version",            /control characters/],
  ["OsLayer",   { maxLayerSizeGb: 0 },                                          "maxLayerSizeGb",     /at least 1 GB, got 0/],
  ["OsLayer",   { maxLayerSizeGb: 2041 },                                       "maxLayerSizeGb",     /at most 2040 GB/],
  ["OsLayer",   { maxLayerSizeGb: 99.5 },                                       "maxLayerSizeGb",     /whole number/],
  ["OsLayer",   { connector: "" },                                              "connector",          /is required/],
  ["OsLayer",   { connector: "vSphere\u001b[2J" },                              "connector",          /control characters \(U\+001B/],
  ["OsLayer",   { name: "Win\r2022" },                                         "name",               /control characters \(U\+000D/],
  ["OsLayer",   { description: "line one\u0000" },                              "description",        /no other control characters/],
  ["OsLayer",   { icon: "blue" },                                               "icon",               /ELM icon id \(digits/],
  ["OsLayer",   { ovfPath: undefined },                                         "ovfPath",            /needs a source: set ovfPath .* or machine/],
  ["OsLayer",   { ovfPath: "exports/win2022/win2022.vmdk" },                    "ovfPath",            /path of a \.ovf file/],
  ["OsLayer",   { ovfPath: "\\\\fs\\layers\\exports\\w.ovf" },                  "ovfPath",            /relative to the file share's root/],
  ["OsLayer",   { ovfPath: "../../secrets/w.ovf" },                             "ovfPath",            /stay inside the file share: remove the "\.\." segments/],
  ["OsLayer",   { vmMoref: "vm-7", vmName: "win" },                             "vmMoref",            /set only one source/],
  ["OsLayer",   { ovfPath: undefined, vmMoref: "vm-7" },                        "vmName",             /needs both vmMoref and vmName/],
  ["OsLayer",   { ovfPath: undefined, vmMoref: "win2022", vmName: "w" },        "vmMoref",            /such as "vm-42"/],
  ["OsLayer",   { description: "d".repeat(1025) },                              "description",        /shorten it to at most 1024/],
  ["OsLayer",   { createTimeout: -1 },                                          "createTimeout",      /at least 0\.01 minutes, got -1/],
  ["OsLayer",   { versionTimeout: 0 },                                          "versionTimeout",     /at least 0\.01 minutes/],
  ["OsLayer",   { deleteTimeout: "never" },                                     "deleteTimeout",      /must be a number/],
  ["OsLayer",   { adoptExisting: "maybe" },                                     "adoptExisting",      /true or false/],
];

describe("bad input is refused by check(), naming the field and the fix", () => {
  it("the table covers at least 30 mistakes across the three resources", () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(30);
    expect(new Set(TABLE.map((r) => r[0]))).toEqual(new Set(["OsMachine", "OvfExport", "OsLayer"]));
  });

  it.each(TABLE)("%s %j → %s", async (resource, patch, field, fix) => {
    const raw = { ...VALID[resource], ...patch };
    for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
    const r = await RECONCILER[resource].check({}, raw);
    const failures = r.failures ?? [];
    const mine = failures.filter((f) => f.property === field);
    expect(mine).toHaveLength(1);
    expect(mine[0].reason.startsWith(`${resource}.${field}: `)).toBe(true);
    expect(mine[0].reason).toMatch(fix);
  });

  it("free text keeps its line breaks and tabs", async () => {
    const r = await RECONCILER.OsLayer.check({}, { ...VALID.OsLayer, description: "Windows Server 2022\n\tpatched monthly" });
    expect(r.failures).toEqual([]);
    expect(r.inputs.description).toBe("Windows Server 2022\n\tpatched monthly");
  });

  it.each(Object.keys(VALID) as Resource[])("the valid %s inputs the rows start from pass", async (resource) => {
    expect((await RECONCILER[resource].check({}, VALID[resource])).failures).toEqual([]);
  });
});
