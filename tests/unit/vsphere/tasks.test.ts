import { parseXml, type XmlElement } from "../../../provider/soap";
import { TaskTimeoutError, InvalidPowerStateError, waitForTask, type MoRef, type ServiceContent } from "../../../provider/vsphere";

const ref = (type: string, value: string): MoRef => ({ type, value });
const serviceContent: ServiceContent = {
  rootFolder: ref("Folder", "group-d1"),
  propertyCollector: ref("PropertyCollector", "propertyCollector"),
  viewManager: ref("ViewManager", "ViewManager"),
  searchIndex: ref("SearchIndex", "SearchIndex"),
  sessionManager: ref("SessionManager", "SessionManager"),
  about: { apiVersion: "8.0", apiType: "VirtualCenter", version: "8.0", fullName: "test" },
};
const info = (inner: string) =>
  `<RetrievePropertiesExResponse xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><returnval><objects><obj type="Task">task-1</obj><propSet><name>info</name><val xsi:type="TaskInfo">${inner}</val></propSet></objects></returnval></RetrievePropertiesExResponse>`;

/** vCenter tasks go queued → running → success/error (vcsim's are finished at once). */
function scripted(states: string[]) {
  return {
    serviceContent,
    async invoke(): Promise<XmlElement> {
      return parseXml(info(states.length > 1 ? states.shift()! : states[0]));
    },
  };
}

describe("waitForTask", () => {
  it("polls through queued and running, reporting progress, and returns the result moref", async () => {
    const seen: number[] = [];
    const inv = scripted([
      "<key>task-1</key><state>queued</state>",
      "<key>task-1</key><state>running</state><progress>40</progress>",
      `<key>task-1</key><state>success</state><result type="VirtualMachine" xsi:type="ManagedObjectReference">vm-7</result>`,
    ]);
    const result = await waitForTask(inv, ref("Task", "task-1"), { onProgress: (p) => seen.push(p) });
    expect(result).toEqual({ type: "VirtualMachine", value: "vm-7" });
    expect(seen).toEqual([40]);
  });

  it("throws the typed fault with vSphere's localized message", async () => {
    const inv = scripted([
      `<key>task-1</key><state>error</state><error><fault xsi:type="InvalidPowerState"><requestedState>poweredOff</requestedState><existingState>poweredOn</existingState></fault><localizedMessage>The attempted operation cannot be performed in the current state (Powered on).</localizedMessage></error>`,
    ]);
    const err = await waitForTask(inv, ref("Task", "task-1"), { operation: "destroying web01" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidPowerStateError);
    expect((err as Error).message).toMatch(/destroying web01 failed with InvalidPowerState: The attempted operation cannot be performed in the current state \(Powered on\)\./);
  });

  it("gives up at the deadline with an actionable error", async () => {
    const inv = scripted(["<key>task-1</key><state>running</state>"]);
    const err = await waitForTask(inv, ref("Task", "task-1"), { timeoutMs: 300, operation: "cloning win2022" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskTimeoutError);
    expect((err as Error).message).toMatch(/cloning win2022: task task-1 did not finish within 0.3 s; it may still be running/);
  });
});
