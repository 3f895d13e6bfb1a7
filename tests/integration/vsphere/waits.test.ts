/**
 * Task and power-state waits against vcsim go through the property collector's WaitForUpdatesEx
 * (as govmomi's property.Wait), not by polling RetrievePropertiesEx: counted at the client.
 */
import type { XmlContent, XmlElement } from "../../../provider/soap";
import { VimClient, createVm, destroyVm, powerOff, powerOn, shutdownGuest, type MoRef, type PropertyCollectorHost } from "../../../provider/vsphere";
import { useVcsim, type Placement } from "./helpers";

const rig = useVcsim();
let c: VimClient;
let where: Placement;
beforeAll(() => {
  ({ c, where } = rig);
});

/** The session, with every method it is asked to call counted. */
function counting(inner: VimClient): PropertyCollectorHost & { counts: Record<string, number>; reset(): void } {
  const counts: Record<string, number> = {};
  return {
    counts,
    reset: () => Object.keys(counts).forEach((k) => delete counts[k]),
    get serviceContent() {
      return inner.serviceContent;
    },
    invoke(method: string, self: MoRef, params?: XmlContent, check?: (p: XmlElement) => void, deadline?: number) {
      counts[method] = (counts[method] ?? 0) + 1;
      return inner.invoke(method, self, params, check, deadline);
    },
  };
}

const spec = (name: string) => ({
  name,
  folder: where.folder,
  resourcePool: where.resourcePool,
  datastore: where.datastore,
  network: where.network,
  guestId: "otherGuest64",
  numCPUs: 1,
  memoryMB: 256,
  diskGB: 1,
});

describe("waits through WaitForUpdatesEx", () => {
  it("a task wait creates its own collector and filter, waits with WaitForUpdatesEx, destroys the collector, and never polls", async () => {
    const vm = await createVm(c, spec("wait-a"));
    const pc = counting(c);
    await powerOn(pc, vm);
    expect(pc.counts.WaitForUpdatesEx).toBeGreaterThanOrEqual(1);
    expect(pc.counts).toMatchObject({ PowerOnVM_Task: 1, CreatePropertyCollector: 1, CreateFilter: 1, DestroyPropertyCollector: 1 });
    expect(pc.counts.RetrievePropertiesEx ?? 0).toBe(0);
    expect(pc.counts.RetrieveProperties ?? 0).toBe(0);

    // guest shutdown: one read of the power state first, then the wait for poweredOff is an update
    pc.reset();
    expect(await shutdownGuest(pc, vm, { timeoutMs: 20_000 })).toBe("guest");
    expect(pc.counts).toMatchObject({ ShutdownGuest: 1, RetrievePropertiesEx: 1, CreateFilter: 1, DestroyPropertyCollector: 1 });
    expect(pc.counts.WaitForUpdatesEx).toBeGreaterThanOrEqual(1);
    await destroyVm(c, vm);
  });

  it("concurrent waits in one session each get their own collector and all finish", async () => {
    const vms = await Promise.all(["wait-b", "wait-c", "wait-d"].map((n) => createVm(c, spec(n))));
    const pc = counting(c);
    await Promise.all(vms.map((vm) => powerOn(pc, vm)));
    expect(pc.counts).toMatchObject({ PowerOnVM_Task: 3, CreatePropertyCollector: 3, DestroyPropertyCollector: 3 });
    await Promise.all(vms.map((vm) => powerOff(c, vm)));
    await Promise.all(vms.map((vm) => destroyVm(c, vm)));
  });
});
