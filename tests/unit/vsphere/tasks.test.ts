import { parseXml, type XmlContent, type XmlElement } from "../../../provider/soap";
import { InvalidPowerStateError, ManagedObjectNotFoundError, MAX_WAIT_SECONDS, WAIT_MARGIN_MS, waitForTask, type MoRef, type ServiceContent } from "../../../provider/vsphere";
import { DeadlineError } from "../../../provider/wait";

const ref = (type: string, value: string): MoRef => ({ type, value });
const serviceContent: ServiceContent = {
  rootFolder: ref("Folder", "group-d1"),
  propertyCollector: ref("PropertyCollector", "propertyCollector"),
  viewManager: ref("ViewManager", "ViewManager"),
  searchIndex: ref("SearchIndex", "SearchIndex"),
  sessionManager: ref("SessionManager", "SessionManager"),
  about: { apiVersion: "8.0", apiType: "VirtualCenter", version: "8.0", fullName: "test" },
};
const NS = `xmlns="urn:vim25" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"`;
const reply = (method: string, inner = "") => parseXml(`<${method}Response ${NS}>${inner}</${method}Response>`);
/** An UpdateSet carrying one change of the task's `info`, as WaitForUpdatesEx sends it. */
const update = (version: string, info: string) =>
  `<returnval><version>${version}</version><filterSet><filter type="PropertyFilter">filter-1</filter><objectSet><kind>modify</kind>` +
  `<obj type="Task">task-1</obj><changeSet><name>info</name><op>assign</op><val xsi:type="TaskInfo">${info}</val></changeSet></objectSet></filterSet></returnval>`;

/**
 * A property collector answering WaitForUpdatesEx from a script: each entry is the TaskInfo of the
 * next change, or null for a wait that ended with no change. Records every call and version sent.
 */
function scripted(states: Array<string | null>) {
  const calls: string[] = [];
  const versions: string[] = [];
  let n = 0;
  return {
    calls,
    versions,
    serviceContent,
    async invoke(method: string, self: MoRef, params?: XmlContent): Promise<XmlElement> {
      calls.push(`${method} ${self.value}`);
      if (method === "CreatePropertyCollector") return reply(method, `<returnval type="PropertyCollector">session[1]</returnval>`);
      if (method === "CreateFilter") return reply(method, `<returnval type="PropertyFilter">filter-1</returnval>`);
      if (method === "WaitForUpdatesEx") {
        versions.push(/<version>([^<]*)<\/version>|<version\/>/.exec(String(params))?.[1] ?? "");
        const s = states.length > 1 ? states.shift()! : states[0];
        return reply(method, s === null ? "" : update(String(++n), s));
      }
      return reply(method);
    },
  };
}

describe("waitForTask", () => {
  it("waits through queued and running on WaitForUpdatesEx, passing the version on, reporting progress, and returns the result moref", async () => {
    const seen: number[] = [];
    const inv = scripted([
      "<key>task-1</key><state>queued</state>",
      "<key>task-1</key><state>running</state><progress>40</progress>",
      null,
      `<key>task-1</key><state>success</state><result type="VirtualMachine" xsi:type="ManagedObjectReference">vm-7</result>`,
    ]);
    const result = await waitForTask(inv, ref("Task", "task-1"), { onProgress: (p) => seen.push(p) });
    expect(result).toEqual({ type: "VirtualMachine", value: "vm-7" });
    expect(seen).toEqual([40]);
    expect(inv.calls).toEqual([
      "CreatePropertyCollector propertyCollector",
      "CreateFilter session[1]",
      "WaitForUpdatesEx session[1]",
      "WaitForUpdatesEx session[1]",
      "WaitForUpdatesEx session[1]",
      "WaitForUpdatesEx session[1]",
      "DestroyPropertyCollector session[1]",
    ]);
    expect(inv.versions).toEqual(["", "1", "2", "2"]);
  });

  it("throws the typed fault with vSphere's localized message, and destroys its collector", async () => {
    const inv = scripted([
      `<key>task-1</key><state>error</state><error><fault xsi:type="InvalidPowerState"><requestedState>poweredOff</requestedState><existingState>poweredOn</existingState></fault><localizedMessage>The attempted operation cannot be performed in the current state (Powered on).</localizedMessage></error>`,
    ]);
    const err = await waitForTask(inv, ref("Task", "task-1"), { operation: "destroying web01" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidPowerStateError);
    expect((err as Error).message).toMatch(/destroying web01 failed with InvalidPowerState: The attempted operation cannot be performed in the current state \(Powered on\)\./);
    expect(inv.calls[inv.calls.length - 1]).toBe("DestroyPropertyCollector session[1]");
  });

  it("gives up at the deadline with the one DeadlineError, saying a rerun does not resume the task", async () => {
    const inv = scripted(["<key>task-1</key><state>running</state>", null]);
    const err = await waitForTask(inv, ref("Task", "task-1"), { timeoutMs: 300, operation: "cloning win2022" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineError);
    expect(err).toMatchObject({ awaited: "cloning win2022 (task task-1)", resumable: false });
    expect((err as Error).message).toMatch(/^timed out waiting for cloning win2022 \(task task-1\) after 0\.\d s \(last running\); the next run does not resume it.*Recent Tasks/);
    expect(inv.calls[inv.calls.length - 1]).toBe("DestroyPropertyCollector session[1]");
  });

  it("an abort cancels the pending WaitForUpdatesEx on its own collector", async () => {
    const ac = new AbortController();
    const calls: string[] = [];
    let release: (() => void) | undefined;
    const inv = {
      serviceContent,
      async invoke(method: string): Promise<XmlElement> {
        calls.push(method);
        if (method === "CreatePropertyCollector") return reply(method, `<returnval type="PropertyCollector">session[2]</returnval>`);
        if (method === "WaitForUpdatesEx" && calls.filter((c) => c === method).length > 1) {
          setImmediate(() => ac.abort(new Error("stopped by the user")));
          await new Promise<void>((r) => (release = r)); // blocks until CancelWaitForUpdates
          throw new Error("RequestCanceled");
        }
        if (method === "WaitForUpdatesEx") return reply(method, update("1", "<key>task-1</key><state>running</state>"));
        if (method === "CancelWaitForUpdates") release?.();
        return reply(method);
      },
    };
    await expect(waitForTask(inv, ref("Task", "task-1"), { signal: ac.signal })).rejects.toThrow("stopped by the user");
    expect(calls).toEqual(["CreatePropertyCollector", "CreateFilter", "WaitForUpdatesEx", "WaitForUpdatesEx", "CancelWaitForUpdates", "DestroyPropertyCollector"]);
  });

  it("bounds each WaitForUpdatesEx: the server waits at most what is left (within 60 s), the request that plus a margin", async () => {
    const sent: Array<{ seconds: number; requestMs: number }> = [];
    const inv = {
      serviceContent,
      async invoke(method: string, _self: MoRef, params?: XmlContent, _check?: unknown, deadline?: number): Promise<XmlElement> {
        if (method === "CreatePropertyCollector") return reply(method, `<returnval type="PropertyCollector">session[3]</returnval>`);
        if (method === "WaitForUpdatesEx") {
          sent.push({ seconds: Number(/<maxWaitSeconds>(\d+)</.exec(String(params))?.[1]), requestMs: (deadline ?? 0) - Date.now() });
          return reply(method, sent.length === 1 ? update("1", "<key>task-1</key><state>success</state>") : "");
        }
        return reply(method);
      },
    };
    await waitForTask(inv, ref("Task", "task-1"), { timeoutMs: 3 * 3600_000 });
    expect(sent[0].seconds).toBe(MAX_WAIT_SECONDS);
    expect(sent[0].requestMs).toBeLessThanOrEqual(MAX_WAIT_SECONDS * 1000 + WAIT_MARGIN_MS);
    expect(sent[0].requestMs).toBeGreaterThan(MAX_WAIT_SECONDS * 1000);
    sent.length = 0;
    await waitForTask(inv, ref("Task", "task-1"), { timeoutMs: 2500 });
    expect(sent[0].seconds).toBeLessThanOrEqual(3);
  });

  it("an object deleted while waited on ends the wait with ManagedObjectNotFound", async () => {
    const inv = {
      serviceContent,
      async invoke(method: string): Promise<XmlElement> {
        if (method === "CreatePropertyCollector") return reply(method, `<returnval type="PropertyCollector">session[4]</returnval>`);
        if (method === "WaitForUpdatesEx") {
          return reply(method, `<returnval><version>1</version><filterSet><filter type="PropertyFilter">f</filter><objectSet><kind>leave</kind><obj type="Task">task-1</obj></objectSet></filterSet></returnval>`);
        }
        return reply(method);
      },
    };
    await expect(waitForTask(inv, ref("Task", "task-1"), { operation: "cloning web01" })).rejects.toBeInstanceOf(ManagedObjectNotFoundError);
  });
});
