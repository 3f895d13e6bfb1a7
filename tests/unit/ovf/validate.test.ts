import { OvfDescriptor, parseDescriptor, validateForOsLayer } from "../../../provider/ovf";
import { fixture } from "./fixtures";

const DISK = "win2019-disk-0.vmdk";
const present = new Map([[DISK, 65536]]);

async function load(name: string, edit: (xml: string) => string = (x) => x): Promise<OvfDescriptor> {
  return parseDescriptor(edit(fixture(name)));
}

describe("validateForOsLayer", () => {
  it("accepts a BIOS Windows VM with one VMXNet3 NIC, LSI Logic SAS and its disk beside it", async () => {
    expect(validateForOsLayer(await load("win2019-bios.ovf"), { presentFiles: present, maxLayerSizeGb: 100 })).toEqual([]);
  });

  it("rejects EFI firmware with a fix", async () => {
    const problems = validateForOsLayer(await load("win2019-efi.ovf"), { presentFiles: present });
    expect(problems.map((p) => p.code)).toEqual(["EFI_FIRMWARE"]);
    expect(problems[0].message).toMatch(/BIOS/);
  });

  it("reports each problem of the pvscsi / E1000e / 200 GB descriptor once", async () => {
    const problems = validateForOsLayer(await load("win2019-pvscsi-e1000e.ovf"), { presentFiles: present, maxLayerSizeGb: 100 });
    expect(problems.map((p) => p.code)).toEqual(["NIC_NOT_VMXNET3", "PARAVIRTUAL_SCSI", "DISK_TOO_LARGE"]);
    expect(problems[0]).toMatchObject({ where: 'VirtualHardwareSection/Item[8] (network adapter on "VM Network")' });
    expect(problems[0].message).toMatch(/E1000e.*VMXNet3/);
    expect(problems[1].message).toMatch(/VirtualSCSI.*LSI Logic SAS/);
    expect(problems[2].message).toMatch(/200 GB exceeds the Max Layer Size of 100 GB; raise the max layer size to at least 200 GB/);
    // and a larger max layer size clears the size problem
    expect(validateForOsLayer(await load("win2019-pvscsi-e1000e.ovf"), { maxLayerSizeGb: 200 }).map((p) => p.code)).not.toContain("DISK_TOO_LARGE");
  });

  it("defaults the max layer size to the wizard's 100 GB", async () => {
    const d = await load("win2019-bios.ovf", (x) => x.replace('ovf:capacity="60"', 'ovf:capacity="101"'));
    expect(validateForOsLayer(d).map((p) => p.code)).toEqual(["DISK_TOO_LARGE"]);
  });

  it("rejects a VMXNet3 NIC alongside another type, and a VM without NICs", async () => {
    const two = await load("win2019-bios.ovf");
    two.virtualSystem.nics.push({ type: "E1000", network: "VM Network", instanceId: "9" });
    expect(validateForOsLayer(two).map((p) => [p.code, p.where])).toEqual([["NIC_NOT_VMXNET3", 'VirtualHardwareSection/Item[9] (network adapter on "VM Network")']]);
    const none = await load("win2019-bios.ovf");
    none.virtualSystem.nics = [];
    expect(validateForOsLayer(none).map((p) => p.code)).toEqual(["NO_NIC"]);
  });

  it("finds the problems of the genuine ovftool descriptor (ganeti corrupted_resources.ovf)", async () => {
    const d = await parseDescriptor(fixture("ganeti", "corrupted_resources.ovf"));
    const problems = validateForOsLayer(d, { presentFiles: () => undefined });
    expect(problems.map((p) => p.code)).toEqual(["NIC_NOT_VMXNET3", "GUEST_NOT_WINDOWS", "FILE_MISSING"]);
    expect(problems[1].message).toMatch(/suse64Guest/);
    expect(problems[2]).toMatchObject({ where: "References/File[file1]" });
    expect(problems[2].message).toMatch(/other_disk\.vmdk is referenced but not beside the descriptor/);
  });

  it("checks the guest from vmw:osType, falling back to the description", async () => {
    const noType = await load("win2019-bios.ovf", (x) => x.replace(' vmw:osType="windows9Server64Guest"', ""));
    expect(validateForOsLayer(noType)).toEqual([]);
    const nothing = await load("win2019-bios.ovf", (x) => x.replace(' vmw:osType="windows9Server64Guest"', "").replace(/<Description>Microsoft[^<]*<\/Description>/, ""));
    expect(validateForOsLayer(nothing).map((p) => p.code)).toEqual(["GUEST_UNKNOWN"]);
  });

  it("requires a disk, a known fileRef, present files of the right size beside the descriptor", async () => {
    const d = await load("win2019-bios.ovf");
    expect(validateForOsLayer({ ...d, disks: [] }).map((p) => p.code)).toEqual(["NO_DISK"]);
    expect(validateForOsLayer({ ...d, disks: [{ ...d.disks[0], fileRef: "nope" }] }).map((p) => p.code)).toEqual(["DISK_FILE_UNKNOWN"]);
    expect(validateForOsLayer(d, { presentFiles: new Map([[DISK, 1000]]) }).map((p) => p.code)).toEqual(["FILE_SIZE_MISMATCH"]);
    expect(validateForOsLayer(d, { presentFiles: (href) => href === DISK }).map((p) => p.code)).toEqual([]);
    expect(validateForOsLayer(d, { presentFiles: new Map() }).map((p) => p.code)).toEqual(["FILE_MISSING"]);
    const outside = { ...d, files: [{ id: "file1", href: "../elsewhere/disk.vmdk" }] };
    expect(validateForOsLayer(outside, { presentFiles: () => true }).map((p) => p.code)).toEqual(["FILE_NOT_BESIDE"]);
  });

  it("refuses a nonsensical max layer size", async () => {
    const d = await load("win2019-bios.ovf");
    expect(() => validateForOsLayer(d, { maxLayerSizeGb: 0 })).toThrow(/maxLayerSizeGb/);
  });
});
