import * as fs from "fs";
import * as path from "path";
import { parseXml } from "../../../provider/soap";
import { decodeRetrieveResult, many, type MoRef } from "../../../provider/vsphere";

const fixture = async (name: string) => parseXml(fs.readFileSync(path.join(__dirname, "fixtures", "govmomi", name), "utf8"));

describe("decoding real vCenter replies (govmomi fixtures)", () => {
  it("reads xsd:string values of nested property paths", async () => {
    const { objects } = decodeRetrieveResult(await fixture("nested_property.xml"));
    expect(objects).toEqual([
      { obj: { type: "VirtualMachine", value: "vm-411" }, props: { "config.name": "kubernetes-master", "config.uuid": "422ec880-ab06-06b4-23f3-beb7a052a4c9" }, missing: [] },
    ]);
  });

  it("reads a data object value with typed fields", async () => {
    const { objects } = decodeRetrieveResult(await fixture("pointer_property.xml"));
    expect(objects[0].props["config.bootOptions"]).toEqual({ $type: "VirtualMachineBootOptions", bootDelay: "0", enterBIOSSetup: "false", bootRetryEnabled: "false", bootRetryDelay: "10000" });
  });

  it("reads morefs and ArrayOfManagedObjectReference", async () => {
    const { objects } = decodeRetrieveResult(await fixture("cluster_host_property.xml"));
    expect(objects[0].obj).toEqual({ type: "ClusterComputeResource", value: "domain-c7" });
    expect(objects[0].props.parent).toEqual({ type: "Folder", value: "group-h6" });
    expect((objects[0].props.host as MoRef[]).map((h) => h.value)).toEqual(["host-14", "host-17", "host-19", "host-52"]);
  });

  it("reads several returnvals of RetrieveProperties", async () => {
    const { objects, token } = decodeRetrieveResult(await fixture("hostsystem_list_name_property.xml"));
    expect(token).toBeUndefined();
    expect(objects.map((o) => [o.obj.value, o.props.name])).toEqual([
      ["host-10", "host-01.example.com"],
      ["host-30", "host-02.example.com"],
    ]);
  });

  it("reads ArrayOfString and missingSet entries with NotAuthenticated", async () => {
    const { objects } = decodeRetrieveResult(await fixture("not_authenticated_fault.xml"));
    expect(objects[0].props.messageLocaleList).toEqual(["ja", "zh_CN", "en", "de", "zh_TW", "ko", "fr"]);
    expect(objects[0].missing.map((m) => [m.path, m.fault])).toEqual([
      ["message", "NotAuthenticated"],
      ["sessionList", "NotAuthenticated"],
    ]);
  });

  it("reads vcsim's invented xsi prefix and numeric xsd types the same way", async () => {
    const xml = `<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><token>t1</token><objects>
      <obj type="VirtualMachine">vm-1</obj>
      <propSet><name>config.hardware.numCPU</name><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:int" xmlns:xsd="http://www.w3.org/2001/XMLSchema">4</val></propSet>
      <propSet><name>config.template</name><val xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="x:boolean" xmlns:x="http://www.w3.org/2001/XMLSchema">false</val></propSet>
      <propSet><name>config.annotation</name><val xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" i:type="xsd:string">a &#34;quoted&#34;&#xA;note</val></propSet>
      <propSet><name>config.hardware.device</name><val xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="ArrayOfVirtualDevice">
        <VirtualDevice i:type="VirtualVmxnet3"><key>4000</key><backing i:type="VirtualEthernetCardNetworkBackingInfo"><deviceName>VM Network</deviceName></backing></VirtualDevice>
      </val></propSet>
    </objects></returnval></RetrievePropertiesExResponse>`;
    const { objects, token } = decodeRetrieveResult(await parseXml(xml));
    expect(token).toBe("t1");
    const p = objects[0].props;
    expect(p["config.hardware.numCPU"]).toBe(4);
    expect(p["config.template"]).toBe(false);
    expect(p["config.annotation"]).toBe('a "quoted"\nnote');
    const devices = many(p["config.hardware.device"]);
    expect(devices).toEqual([{ $type: "VirtualVmxnet3", key: "4000", backing: { $type: "VirtualEthernetCardNetworkBackingInfo", deviceName: "VM Network" } }]);
  });
});
