import { parseXml, type XmlElement } from "../../../provider/soap";
import { cloneSpec, configSpec, deviceChange, diskDevice, localizedFault, nicDevice, scsiDevice, resolveNfcUrl, escapeName, normalizeSdkUrl } from "../../../provider/vsphere";

const XSI = "http://www.w3.org/2001/XMLSchema-instance";
/** Parse a fragment with xsi declared, as it is inside our envelopes. */
const parse = (xml: string) => parseXml(`<w xmlns:xsi="${XSI}">${xml}</w>`).then((w) => w.children[0]);
const names = (e: XmlElement) => e.children.map((c) => c.name);
const xsiType = (e: XmlElement | undefined) => e?.attrs.find((a) => a.name === "type" && a.ns === XSI)?.value;

/** Returns true when `got` lists names in the order they appear in `schemaOrder`. */
function inSchemaOrder(got: string[], schemaOrder: string[]): boolean {
  const idx = got.map((n) => schemaOrder.indexOf(n));
  return idx.every((i) => i >= 0) && idx.every((v, i) => i === 0 || idx[i - 1] <= v);
}

// Sequences from VMware's vim.xsd (vSphere 6.5-8.0), fields this client may send.
const CONFIG_SPEC = ["changeVersion", "name", "version", "uuid", "instanceUuid", "locationId", "guestId", "alternateGuestName", "annotation", "files", "tools", "flags", "numCPUs", "vcpuConfig", "numCoresPerSocket", "memoryMB", "memoryHotAddEnabled", "cpuHotAddEnabled", "deviceChange", "cpuAllocation", "memoryAllocation", "extraConfig", "bootOptions", "firmware"];
const VIRTUAL_DEVICE_NIC = ["key", "deviceInfo", "backing", "connectable", "slotInfo", "controllerKey", "unitNumber", "addressType", "macAddress", "wakeOnLanEnabled"];
const VIRTUAL_DISK = ["key", "deviceInfo", "backing", "connectable", "slotInfo", "controllerKey", "unitNumber", "capacityInKB", "capacityInBytes"];
const FLAT_VER2 = ["fileName", "datastore", "backingObjectId", "diskMode", "split", "writeThrough", "thinProvisioned", "eagerlyScrub"];
const CONNECT_INFO = ["migrateConnect", "startConnected", "allowGuestControl", "connected", "status"];
const DEVICE_CONFIG_SPEC = ["operation", "fileOperation", "device", "profile", "backing"];
const CLONE_SPEC = ["location", "template", "config", "customization", "powerOn", "snapshot", "memory"];
const RELOCATE_SPEC = ["service", "folder", "datastore", "diskMoveType", "pool", "host", "disk"];

describe("request serializers (XSD order, xsi:type)", () => {
  it("writes VirtualMachineConfigSpec fields in schema order", async () => {
    const xml = configSpec("config", {
      firmware: "efi",
      memoryMB: 4096,
      name: "a <b> & \"c\"",
      guestId: "windows9Server64Guest",
      vmPathName: "[ds1]",
      numCPUs: 2,
      numCoresPerSocket: 1,
      annotation: "note",
      changeVersion: "2024-01-01T00:00:00Z",
      instanceUuid: "5012a3b4-0000-4000-8000-000000000001",
      deviceChange: [deviceChange("add", scsiDevice({ type: "VirtualLsiLogicSASController", key: -100, busNumber: 0 }))],
    }).xml;
    const e = await parse(xml);
    expect(inSchemaOrder(names(e), CONFIG_SPEC)).toBe(true);
    expect(names(e)).toEqual(["changeVersion", "name", "instanceUuid", "guestId", "annotation", "files", "numCPUs", "numCoresPerSocket", "memoryMB", "deviceChange", "firmware"]);
    expect(e.children[1].text).toBe('a <b> & "c"');
  });

  it("writes a VMXNet3 NIC with typed device and backing, in schema order", async () => {
    const dc = await parse(deviceChange("add", nicDevice({ key: -1, backing: { kind: "network", name: "VM Network" }, macAddress: "00:50:56:00:00:01" })).xml);
    expect(inSchemaOrder(names(dc), DEVICE_CONFIG_SPEC)).toBe(true);
    const dev = dc.children.find((c) => c.name === "device")!;
    expect(xsiType(dev)).toBe("VirtualVmxnet3");
    expect(inSchemaOrder(names(dev), VIRTUAL_DEVICE_NIC)).toBe(true);
    expect(xsiType(dev.children.find((c) => c.name === "backing"))).toBe("VirtualEthernetCardNetworkBackingInfo");
    expect(inSchemaOrder(names(dev.children.find((c) => c.name === "connectable")!), CONNECT_INFO)).toBe(true);
    const dv = await parse(nicDevice({ key: -1, backing: { kind: "dvportgroup", switchUuid: "50 1a", portgroupKey: "dvportgroup-1" } }).xml);
    expect(xsiType(dv.children.find((c) => c.name === "backing"))).toBe("VirtualEthernetCardDistributedVirtualPortBackingInfo");
  });

  it("writes a thin VirtualDisk with a FlatVer2 backing in schema order", async () => {
    const dc = await parse(deviceChange("add", diskDevice({ key: -101, controllerKey: -100, unitNumber: 0, capacityKB: 1024 }), "create").xml);
    expect(names(dc)).toEqual(["operation", "fileOperation", "device"]);
    const disk = dc.children[2];
    expect(xsiType(disk)).toBe("VirtualDisk");
    expect(inSchemaOrder(names(disk), VIRTUAL_DISK)).toBe(true);
    const backing = disk.children.find((c) => c.name === "backing")!;
    expect(xsiType(backing)).toBe("VirtualDiskFlatVer2BackingInfo");
    expect(inSchemaOrder(names(backing), FLAT_VER2)).toBe(true);
  });

  it("writes VirtualMachineCloneSpec and its location in schema order", async () => {
    const spec = await parse(cloneSpec({ pool: { type: "ResourcePool", value: "resgroup-8" }, datastore: { type: "Datastore", value: "datastore-11" }, config: configSpec("config", { numCPUs: 4 }), powerOn: false }).xml);
    expect(inSchemaOrder(names(spec), CLONE_SPEC)).toBe(true);
    expect(inSchemaOrder(names(spec.children[0]), RELOCATE_SPEC)).toBe(true);
    expect(spec.children[0].children[0].attrs.find((a) => a.name === "type")?.value).toBe("Datastore");
  });

  it("writes a LocalizedMethodFault with a typed fault", async () => {
    const f = await parse(localizedFault("fault", "sink failed").xml);
    expect(names(f)).toEqual(["fault", "localizedMessage"]);
    expect(xsiType(f.children[0])).toBe("SystemError");
  });
});

describe("helpers", () => {
  it("replaces a * NFC host with the SDK host and keeps everything else", () => {
    expect(resolveNfcUrl("https://*/nfc/abc/disk-0.vmdk", "vc.example.com:8443")).toBe("https://vc.example.com:8443/nfc/abc/disk-0.vmdk");
    expect(resolveNfcUrl("https://*:443/nfc/abc/disk-0.vmdk", "127.0.0.1:1234")).toBe("https://127.0.0.1:1234/nfc/abc/disk-0.vmdk");
    expect(resolveNfcUrl("https://esx01.lab/nfc/abc/disk-0.vmdk", "vc")).toBe("https://esx01.lab/nfc/abc/disk-0.vmdk");
  });

  it("escapes inventory path segments as vSphere does", () => {
    expect(escapeName("a/b")).toBe("a%2fb");
    expect(escapeName("100% done")).toBe("100%25 done");
    expect(escapeName("Ünïcode VM")).toBe("Ünïcode VM");
  });

  it("normalizes the SDK URL", () => {
    expect(normalizeSdkUrl("vc.example.com")).toBe("https://vc.example.com/sdk");
    expect(normalizeSdkUrl("https://vc.example.com/")).toBe("https://vc.example.com/sdk");
    expect(normalizeSdkUrl("https://127.0.0.1:8989/sdk")).toBe("https://127.0.0.1:8989/sdk");
  });
});

describe("package file names", () => {
  it("makes VM names safe for SMB shares (vSphere escapes / as %2f in names)", () => {
    const { packageBaseName } = jest.requireActual("../../../provider/vsphere") as typeof import("../../../provider/vsphere");
    expect(packageBaseName("web01")).toBe("web01");
    expect(packageBaseName("a%2fb: c*?")).toBe("a_b_ c__");
    expect(packageBaseName("Ünïcode 100%")).toBe("Ünïcode 100%");
    expect(packageBaseName("  ")).toBe("vm");
  });
});
