import { decodeDescriptor, OvfFormatError, parseDescriptor } from "../../../provider/ovf";
import { fixture } from "./fixtures";

describe("parseDescriptor: genuine ovftool output (ganeti corrupted_resources.ovf)", () => {
  it("reads files, disks, networks and hardware", async () => {
    const d = await parseDescriptor(fixture("ganeti", "corrupted_resources.ovf"));
    expect(d.files).toEqual([{ id: "file1", href: "other_disk.vmdk", size: 761627136 }]);
    expect(d.disks).toEqual([
      {
        diskId: "vmdisk1",
        fileRef: "file1",
        capacityBytes: 16514 * 2 ** 20,
        populatedSizeBytes: 2042953728,
        format: "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized",
      },
    ]);
    expect(d.networks).toEqual([{ name: "bridged", description: "The bridged network" }]);
    const vs = d.virtualSystem;
    expect(vs).toMatchObject({
      id: "vm",
      name: "AyertiennaSUSE.x86_64-0.0.2",
      osType: "suse64Guest",
      osCimId: 83,
      firmware: "bios",
      hardwareVersion: "vmx-04",
      cpus: 1,
      memoryMb: 512,
    });
    expect(vs.nics).toEqual([{ type: "E1000", network: "bridged", instanceId: "9" }]);
    expect(vs.controllers).toEqual([
      { kind: "scsi", subtype: "lsilogic", instanceId: "4" },
      { kind: "ide", instanceId: "5" },
    ]);
  });
});

describe("parseDescriptor: vSphere-shaped descriptors", () => {
  it("reads a BIOS Windows Server VM with VMXNet3", async () => {
    const d = await parseDescriptor(fixture("win2019-bios.ovf"));
    expect(d.disks[0].capacityBytes).toBe(60 * 2 ** 30);
    expect(d.virtualSystem).toMatchObject({
      id: "win2019",
      osType: "windows9Server64Guest",
      osDescription: "Microsoft Windows Server 2016 or later (64-bit)",
      firmware: "bios",
      hardwareVersion: "vmx-19",
      cpus: 2,
      memoryMb: 8192,
      nics: [{ type: "VmxNet3", network: "VM Network", instanceId: "8" }],
    });
    expect(d.virtualSystem.controllers.map((c) => [c.kind, c.subtype])).toEqual([
      ["scsi", "lsilogicsas"],
      ["sata", "vmware.sata.ahci"],
    ]);
  });

  it("reads EFI firmware from vmw:Config", async () => {
    expect((await parseDescriptor(fixture("win2019-efi.ovf"))).virtualSystem.firmware).toBe("efi");
  });

  it("reads a paravirtual controller, an E1000e NIC and byte * 2^20 capacity", async () => {
    const d = await parseDescriptor(fixture("win2019-pvscsi-e1000e.ovf"));
    expect(d.disks[0].capacityBytes).toBe(204800 * 2 ** 20);
    expect(d.virtualSystem.nics[0].type).toBe("E1000e");
    expect(d.virtualSystem.controllers[0]).toEqual({ kind: "scsi", subtype: "VirtualSCSI", instanceId: "3" });
  });

  it("classifies a vSphere NVMe controller (ResourceType 20, vmware.nvme.controller)", async () => {
    const xml = fixture("win2019-bios.ovf").replace("vmware.sata.ahci", "vmware.nvme.controller");
    const d = await parseDescriptor(xml);
    expect(d.virtualSystem.controllers[1]).toEqual({ kind: "nvme", subtype: "vmware.nvme.controller", instanceId: "4" });
  });
});

describe("parseDescriptor: real-world variants", () => {
  it("matches by namespace, not prefix (other prefixes, no default namespace)", async () => {
    const xml = fixture("win2019-efi.ovf")
      .replace(/xmlns="http:\/\/schemas.dmtf.org\/ovf\/envelope\/1" /, "")
      .replace(/<(\/?)(?![a-z]+:|\?|!)([A-Za-z])/g, "<$1o:$2")
      .replace('xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"', 'xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:o="http://schemas.dmtf.org/ovf/envelope/1"')
      .replace(/rasd:/g, "r:")
      .replace(/xmlns:r="[^"]*" /, "")
      .replace('xmlns:r=', 'xmlns:rasd=')
      .replace(/vmw:/g, "vm:")
      .replace("xmlns:vm=", "xmlns:vmw=");
    // after the renames, declare the new prefixes on the root
    const fixed = xml.replace(
      "<o:Envelope ",
      '<o:Envelope xmlns:r="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vm="http://www.vmware.com/schema/ovf" ',
    );
    expect(fixed).toContain("<o:References>");
    expect(fixed).toContain("<r:ResourceSubType>VmxNet3");
    const d = await parseDescriptor(fixed);
    const ref = await parseDescriptor(fixture("win2019-efi.ovf"));
    expect(d).toEqual(ref);
    expect(d.virtualSystem.firmware).toBe("efi");
  });

  it("ignores element order, optional sections and foreign sections", async () => {
    const xml = `<?xml version="1.0"?>
<ovf:Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vmw="http://www.vmware.com/schema/ovf" xmlns:x="urn:other">
  <x:Extra><ovf:References><ovf:File ovf:id="decoy" ovf:href="decoy.vmdk"/></ovf:References></x:Extra>
  <ovf:VirtualSystem ovf:id="vm1">
    <ovf:VirtualHardwareSection>
      <vmw:Config vmw:key="firmware" vmw:value="EFI"/>
      <ovf:Item><rasd:ResourceType>10</rasd:ResourceType><rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType><rasd:Connection></rasd:Connection></ovf:Item>
    </ovf:VirtualHardwareSection>
    <ovf:OperatingSystemSection ovf:id="112" vmw:osType="windows2019srv_64Guest"/>
  </ovf:VirtualSystem>
  <ovf:DiskSection><ovf:Disk ovf:diskId="d1" ovf:capacity="1073741824"/></ovf:DiskSection>
  <ovf:References><ovf:File ovf:id="f1" ovf:href="a.vmdk"/></ovf:References>
</ovf:Envelope>`;
    const d = await parseDescriptor(xml);
    expect(d.files).toEqual([{ id: "f1", href: "a.vmdk" }]);
    expect(d.disks).toEqual([{ diskId: "d1", capacityBytes: 1073741824 }]);
    expect(d.networks).toEqual([]);
    expect(d.virtualSystem).toEqual({
      id: "vm1",
      osType: "windows2019srv_64Guest",
      osCimId: 112,
      firmware: "efi",
      nics: [{ type: "VmxNet3" }],
      controllers: [],
    });
  });

  it("accepts the OVF 2 envelope namespace", async () => {
    const xml = fixture("win2019-bios.ovf").replace(/envelope\/1/g, "envelope/2");
    expect((await parseDescriptor(xml)).virtualSystem.nics[0].type).toBe("VmxNet3");
  });

  it("parses units: plain byte, byte * 2^N with any spacing, named units", async () => {
    const base = fixture("win2019-bios.ovf");
    const cap = async (capacity: string, units: string | undefined) => {
      const attr = units === undefined ? "" : ` ovf:capacityAllocationUnits="${units}"`;
      const xml = base.replace('ovf:capacity="60" ovf:capacityAllocationUnits="byte * 2^30"', `ovf:capacity="${capacity}"${attr}`);
      return (await parseDescriptor(xml)).disks[0].capacityBytes;
    };
    expect(await cap("4096", "byte")).toBe(4096);
    expect(await cap("4096", undefined)).toBe(4096);
    expect(await cap("3", "byte*2^30")).toBe(3 * 2 ** 30);
    expect(await cap("3", "BYTE  *  2 ^ 20")).toBe(3 * 2 ** 20);
    expect(await cap("2", "byte * 10^9")).toBe(2e9);
    expect(await cap("5", "GigaBytes")).toBe(5 * 2 ** 30);
  });
});

describe("parseDescriptor: fails cleanly", () => {
  async function failure(xml: string): Promise<OvfFormatError> {
    try {
      await parseDescriptor(xml);
    } catch (err) {
      expect(err).toBeInstanceOf(OvfFormatError);
      return err as OvfFormatError;
    }
    throw new Error("expected parseDescriptor to fail");
  }

  it("on truncated XML (ganeti wrong_xml.ovf)", async () => {
    const err = await failure(fixture("ganeti", "wrong_xml.ovf"));
    expect(err.message).toMatch(/not well-formed XML/);
  });

  it("on empty input and on a document that is not an OVF envelope", async () => {
    expect((await failure("")).message).toMatch(/not well-formed XML|no root/);
    expect((await failure('<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"/>')).message).toMatch(/not an OVF Envelope/);
  });

  it("without a VirtualSystem", async () => {
    const xml = '<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"><References/></Envelope>';
    expect((await failure(xml)).message).toMatch(/exactly one VirtualSystem, found 0/);
  });
});

describe("parseDescriptor: an unreadable capacity is kept on the disk, for the checks to report", () => {
  it("on a disk without capacity (ganeti.ovf omits the required ovf:capacity)", async () => {
    const d = await parseDescriptor(fixture("ganeti", "ganeti.ovf"));
    expect(d.disks[0].capacityBytes).toBeUndefined();
    expect(d.disks[0].capacityIssue).toEqual({ where: "DiskSection/Disk[vmdisk1]@ovf:capacity", message: expect.stringMatching(/ovf:capacity is missing/) });
    expect(d.disks[0].fileRef).toBe("file1");
  });

  it("on unknown capacity units and non-numeric capacity", async () => {
    const base = fixture("win2019-bios.ovf");
    const issue = async (xml: string) => (await parseDescriptor(xml)).disks[0].capacityIssue;
    expect((await issue(base.replace("byte * 2^30", "furlongs")))?.where).toBe("DiskSection/Disk[vmdisk1]@ovf:capacityAllocationUnits");
    expect((await issue(base.replace('ovf:capacity="60"', 'ovf:capacity="${size}"')))?.message).toMatch(/not a whole number/);
  });
});

describe("parseDescriptor: more shapes", () => {
  const envelope = (body: string) =>
    `<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:vmw="http://www.vmware.com/schema/ovf" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">${body}</Envelope>`;

  it("refuses a VirtualSystemCollection of several VMs, naming it and them", async () => {
    const xml = envelope('<VirtualSystemCollection ovf:id="vapp"><Name>Web tier</Name><VirtualSystem ovf:id="a"/><VirtualSystem ovf:id="b"/></VirtualSystemCollection>');
    await expect(parseDescriptor(xml)).rejects.toThrow(/vApp \(VirtualSystemCollection "Web tier"\) holding 2 virtual machines \(a, b\); an OS layer is made from exactly one VM/);
  });

  it("reads the one VM of a VirtualSystemCollection, nested or not", async () => {
    const one = await parseDescriptor(envelope('<VirtualSystemCollection ovf:id="vapp"><VirtualSystem ovf:id="a"><Name>vm-a</Name></VirtualSystem></VirtualSystemCollection>'));
    expect(one.collection).toEqual({ id: "vapp" });
    expect(one.virtualSystem).toMatchObject({ id: "a", name: "vm-a" });
    const nested = await parseDescriptor(envelope('<VirtualSystemCollection ovf:id="outer"><VirtualSystemCollection ovf:id="inner"><VirtualSystem ovf:id="b"/></VirtualSystemCollection></VirtualSystemCollection>'));
    expect(nested.virtualSystem.id).toBe("b");
  });

  it("reads the CIM namespaces VirtualBox writes with a trailing .xsd as those namespaces", async () => {
    const sasd = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_StorageAllocationSettingData";
    const xml = envelope(`<VirtualSystem ovf:id="a"><VirtualHardwareSection xmlns:r="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData.xsd">
      <Item><r:ResourceType>6</r:ResourceType><r:ResourceSubType>lsilogicsas</r:ResourceSubType></Item>
      <StorageItem xmlns:s="${sasd}.xsd"><s:ResourceType>20</s:ResourceType></StorageItem>
      <Item xmlns:x="urn:other.xsd"><x:ResourceType>10</x:ResourceType></Item></VirtualHardwareSection></VirtualSystem>`);
    const vs = (await parseDescriptor(xml)).virtualSystem;
    expect(vs.controllers).toEqual([{ kind: "scsi", subtype: "lsilogicsas" }, { kind: "sata" }]);
    expect(vs.nics).toEqual([]);
  });

  it("refuses a DOCTYPE by name, even one that declares no entity", async () => {
    for (const prolog of ['<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE Envelope>', '\uFEFF<!DOCTYPE x [<!ENTITY a "b">]>']) {
      await expect(parseDescriptor(`${prolog}${envelope('<VirtualSystem ovf:id="a"/>')}`)).rejects.toThrow(/DOCTYPE and entities are refused/);
    }
  });

  it("reads the hardware of the default deployment option", async () => {
    const cpu = (conf: string, n: number) => `<Item ovf:configuration="${conf}"><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>${n}</rasd:VirtualQuantity></Item>`;
    const options = (def: string) => `<DeploymentOptionSection><Configuration ovf:id="s"${def === "s" ? ' ovf:default="true"' : ""}/><Configuration ovf:id="l"${def === "l" ? ' ovf:default="true"' : ""}/></DeploymentOptionSection>`;
    const xml = (def: string) => envelope(`${options(def)}<VirtualSystem ovf:id="a"><VirtualHardwareSection>${cpu("s", 2)}${cpu("l", 8)}</VirtualHardwareSection></VirtualSystem>`);
    expect((await parseDescriptor(xml("s"))).virtualSystem).toMatchObject({ cpus: 2, deploymentOption: "s" });
    expect((await parseDescriptor(xml("l"))).virtualSystem).toMatchObject({ cpus: 8, deploymentOption: "l" });
    expect((await parseDescriptor(xml("none"))).virtualSystem).toMatchObject({ cpus: 2, deploymentOption: "s" });
  });

  it("reads firmware from vmw:ExtraConfig too, and refuses an unknown firmware", async () => {
    const hw = (cfg: string) => envelope(`<VirtualSystem ovf:id="a"><VirtualHardwareSection>${cfg}</VirtualHardwareSection></VirtualSystem>`);
    expect((await parseDescriptor(hw('<vmw:ExtraConfig vmw:key="firmware" vmw:value="efi"/>'))).virtualSystem.firmware).toBe("efi");
    expect((await parseDescriptor(hw('<vmw:Config vmw:key="firmware" vmw:value="bios"/>'))).virtualSystem.firmware).toBe("bios");
    await expect(parseDescriptor(hw('<vmw:Config vmw:key="firmware" vmw:value="coreboot"/>'))).rejects.toThrow(/unknown firmware "coreboot"/);
  });

  it("reads OVF 2 EthernetPortItem / StorageItem children (epasd, sasd)", async () => {
    const xml = envelope(`<VirtualSystem ovf:id="a"><VirtualHardwareSection>
      <EthernetPortItem xmlns:epasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_EthernetPortAllocationSettingData">
        <epasd:Connection>VM Network</epasd:Connection><epasd:InstanceID>9</epasd:InstanceID>
        <epasd:ResourceSubType>VmxNet3</epasd:ResourceSubType><epasd:ResourceType>10</epasd:ResourceType>
      </EthernetPortItem></VirtualHardwareSection></VirtualSystem>`);
    expect((await parseDescriptor(xml)).virtualSystem.nics).toEqual([{ type: "VmxNet3", network: "VM Network", instanceId: "9" }]);
  });

  it("refuses a bad ovf:size on a file, naming it", async () => {
    const xml = envelope('<References><File ovf:id="f1" ovf:href="a.vmdk" ovf:size="12kB"/></References><VirtualSystem ovf:id="a"/>');
    await expect(parseDescriptor(xml)).rejects.toThrow('References/File[f1]@ovf:size: "12kB" is not a whole number of bytes');
  });
});

describe("decodeDescriptor", () => {
  const text = '<?xml version="1.0"?><Envelope/>';
  it("decodes UTF-8 with and without BOM and UTF-16 LE/BE with BOM", () => {
    const be = Buffer.from(text, "utf16le");
    be.swap16();
    expect(decodeDescriptor(Buffer.from(text))).toBe(text);
    expect(decodeDescriptor(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toBe(text);
    expect(decodeDescriptor(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]))).toBe(text);
    expect(decodeDescriptor(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toBe(text);
  });
});
