import { parseXml, type XmlContent, type XmlElement } from "../../../provider/soap";
import { NotAuthenticatedError, RETRIEVE_LIMITS, retrieve, retrieveProperties, filterSpec, propertySpec, objectSpec, type MoRef, type ServiceContent } from "../../../provider/vsphere";

const ref = (type: string, value: string): MoRef => ({ type, value });
const serviceContent = {
  rootFolder: ref("Folder", "group-d1"),
  propertyCollector: ref("PropertyCollector", "propertyCollector"),
  viewManager: ref("ViewManager", "ViewManager"),
  searchIndex: ref("SearchIndex", "SearchIndex"),
  sessionManager: ref("SessionManager", "SessionManager"),
  about: { apiVersion: "8.0", apiType: "VirtualCenter", version: "8.0", fullName: "test" },
} satisfies ServiceContent;

const page = (token: string | undefined, names: string[]) =>
  `<RetrievePropertiesExResponse xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><returnval>${token ? `<token>${token}</token>` : ""}${names
    .map((n, i) => `<objects><obj type="VirtualMachine">vm-${n}-${i}</obj><propSet><name>name</name><val xsi:type="xsd:string">${n}</val></propSet></objects>`)
    .join("")}</returnval></RetrievePropertiesExResponse>`;

/** A scripted invoker standing in for vCenter, which pages results (vcsim never does). */
function scripted(replies: string[]) {
  const calls: Array<{ method: string; params: string }> = [];
  return {
    calls,
    serviceContent,
    async invoke(method: string, _self: MoRef, params?: XmlContent, check?: (p: XmlElement) => void): Promise<XmlElement> {
      calls.push({ method, params: String(Array.isArray(params) ? params.join("") : params ?? "") });
      const payload = await parseXml(replies.shift()!);
      check?.(payload);
      return payload;
    },
  };
}

describe("property collector paging", () => {
  it("follows tokens with ContinueRetrievePropertiesEx until none comes back", async () => {
    const inv = scripted([page("tok-1", ["a", "b"]), page("tok-2", ["c"]), page(undefined, ["d"])]);
    const spec = filterSpec([propertySpec("VirtualMachine", ["name"])], [objectSpec(ref("ContainerView", "session[1]v"), true)]);
    const objects = await retrieve(inv, spec, 2);
    expect(objects.map((o) => o.props.name)).toEqual(["a", "b", "c", "d"]);
    expect(inv.calls.map((c) => c.method)).toEqual(["RetrievePropertiesEx", "ContinueRetrievePropertiesEx", "ContinueRetrievePropertiesEx"]);
    expect(inv.calls[0].params).toContain("<maxObjects>2</maxObjects>");
    expect(inv.calls[1].params).toBe("<token>tok-1</token>");
    expect(inv.calls[2].params).toBe("<token>tok-2</token>");
  });

  it("treats missingSet NotAuthenticated in a 200 reply as a lost session", async () => {
    const reply = `<RetrievePropertiesExResponse xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><returnval><objects><obj type="Folder">group-d1</obj><missingSet><path>name</path><fault><fault xsi:type="NotAuthenticated"><object type="Folder">group-d1</object><privilegeId>System.Read</privilegeId></fault></fault></missingSet></objects></returnval></RetrievePropertiesExResponse>`;
    const inv = scripted([reply]);
    await expect(retrieve(inv, filterSpec([propertySpec("Folder", ["name"])], [objectSpec(ref("Folder", "group-d1"))]))).rejects.toBeInstanceOf(NotAuthenticatedError);
  });
});

describe("property collector against a misbehaving vCenter", () => {
  /** An invoker answering every ContinueRetrievePropertiesEx with one more token, for ever. */
  function endless() {
    let n = 0;
    const methods: string[] = [];
    return {
      methods,
      serviceContent,
      async invoke(method: string): Promise<XmlElement> {
        methods.push(method);
        return parseXml(method === "CancelRetrievePropertiesEx" ? `<CancelRetrievePropertiesExResponse xmlns="urn:vim25"/>` : page(`tok-${++n}`, ["x"]));
      },
    };
  }

  it("an endless continuation loop stops at RETRIEVE_LIMITS with a clear error, cancelling the retrieval", async () => {
    const inv = endless();
    const spec = filterSpec([propertySpec("VirtualMachine", ["name"])], [objectSpec(ref("ContainerView", "v"), true)]);
    await expect(retrieve(inv, spec)).rejects.toThrow(/kept returning continuation tokens \(10000 pages/);
    expect(inv.methods.filter((m) => m === "ContinueRetrievePropertiesEx")).toHaveLength(RETRIEVE_LIMITS.maxPages - 1);
    expect(inv.methods[inv.methods.length - 1]).toBe("CancelRetrievePropertiesEx");
  }, 60_000);

  it("an empty <returnval/> (nothing matched) is an empty list, not a TypeError", async () => {
    const inv = scripted([`<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval/></RetrievePropertiesExResponse>`]);
    const spec = filterSpec([propertySpec("VirtualMachine", ["name"])], [objectSpec(ref("ContainerView", "v"), true)]);
    await expect(retrieve(inv, spec)).resolves.toEqual([]);
    const one = scripted([`<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval></returnval></RetrievePropertiesExResponse>`]);
    await expect(retrieveProperties(one, ref("VirtualMachine", "vm-9"), ["name"])).resolves.toEqual({ obj: ref("VirtualMachine", "vm-9"), props: {}, missing: [] });
  });
});
