/**
 * Each OsLayer operation looks the connector, the file share and the icon up once, before its
 * first step, and runs on what it found: counted as the requests the ELM simulator receives.
 * (Before the plan, adding a version asked for the file shares twice, for the new revision and
 * again for its finalize, and an edit asked for the icons again after the import had.)
 */
import { ElmSim } from "../../../sim/elm";
import { checked, osLayer, useElm } from "./elmRig";

const ICON = 262144;
const base = { name: "Lookups OS", connector: "vSphere", ovfPath: "exports/win2019/win2019.ovf", version: "1.0", description: "Base OS", icon: String(ICON) };
/** The requests that are lookups of an input (SOAPAction names). */
const LOOKUPS = ["QueryPlatformConnectorConfig", "QueryRemoteFileShares", "QueryLayerIcons"] as const;

const rig = useElm({ sim: { icons: [ICON, ICON + 1] } });
let sim: ElmSim;
beforeAll(() => {
  sim = rig.sim;
});

function lookupCounts(): Record<string, number> {
  const all = sim.requestCounts();
  return Object.fromEntries(LOOKUPS.map((op) => [op, all[op] ?? 0]));
}

async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; lookups: Record<string, number> }> {
  sim.resetRequestCounts();
  const result = await fn();
  return { result, lookups: lookupCounts() };
}

describe("OsLayer operations resolve each lookup once", () => {
  let id: string;
  let outs: Record<string, unknown>;

  it("create: the connector, the share and the icon, once each, before ImportOs", async () => {
    const { result, lookups } = await counted(async () => osLayer.create(await checked(base)));
    id = result.id;
    outs = result.outs;
    expect(outs).toMatchObject({ version: "1.0", revisionState: "Deployable", icon: String(ICON) });
    expect(lookups).toEqual({ QueryPlatformConnectorConfig: 1, QueryRemoteFileShares: 1, QueryLayerIcons: 1 });
  });

  it("update adding a version, with a new icon: each once, the share serving the revision and its finalize", async () => {
    const timer = setInterval(() => {
      for (const m of sim.packagingMachines()) sim.shutdownPackagingMachine(m.name);
    }, 50);
    try {
      const news = await checked({ ...base, version: "2.0", icon: String(ICON + 1) });
      const { result, lookups } = await counted(() => osLayer.update(id, outs, news));
      // The version went through finalize, the step that used to look the share up a second time.
      const finalized = sim.requestCounts().FinalizeLayerRevision ?? 0;
      outs = result.outs;
      expect(outs).toMatchObject({ version: "2.0", revisionState: "Deployable", icon: String(ICON + 1) });
      expect(finalized).toBe(1);
      expect(lookups).toEqual({ QueryPlatformConnectorConfig: 1, QueryRemoteFileShares: 1, QueryLayerIcons: 1 });
    } finally {
      clearInterval(timer);
    }
  });

  it("an edit of the description alone looks nothing up", async () => {
    const news = await checked({ ...base, version: "2.0", icon: String(ICON + 1), description: "Golden" });
    const { result, lookups } = await counted(() => osLayer.update(id, outs, news));
    outs = result.outs;
    expect(outs.description).toBe("Golden");
    expect(lookups).toEqual({ QueryPlatformConnectorConfig: 0, QueryRemoteFileShares: 0, QueryLayerIcons: 0 });
  });

  it("delete: the share, once", async () => {
    const { lookups } = await counted(() => osLayer.delete(id, outs));
    expect(sim.layers().find((l) => String(l.id) === id)).toBeUndefined();
    expect(lookups).toEqual({ QueryPlatformConnectorConfig: 0, QueryRemoteFileShares: 1, QueryLayerIcons: 0 });
  });
});
