/**
 * What a refresh (the OsLayer reconciler's read) asks the ELM simulator: one QueryOsLayerDetails
 * for a layer whose state records its GUID (a refresh of N layers is N+1 calls with the Login);
 * the appliance's identity when no GUID is recorded or the layer at the id bears another one.
 */
import { sessions } from "../../../provider/sessions";
import { checked, osLayer, useElm } from "./elmRig";

const base = { name: "Refresh OS", connector: "vSphere", ovfPath: "exports/win2019/win2019.ovf", version: "1.0" };
const FIRST = "a1b2c3d4-0000-4000-8000-0000000000aa";
const OTHER = "ffff0000-0000-4000-8000-0000000000bb";

const rig = useElm({ sim: { softwareVersion: "24.9.0.1", applianceUniqueId: FIRST } });

/** Requests since the last reset, Login aside (the pool's session may have ended). */
function calls(): Record<string, number> {
  const { Login: _login, ...rest } = rig.sim.requestCounts();
  return rest;
}

/** Runs fn, returning what it wrote as warnings on stderr too. */
async function warnings<T>(fn: () => Promise<T>): Promise<{ result: T; warned: string[] }> {
  const warned: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (String(chunk).includes("warning:")) warned.push(String(chunk));
    return write(chunk, ...(rest as []));
  });
  try {
    return { result: await fn(), warned };
  } finally {
    spy.mockRestore();
  }
}

describe("OsLayer refresh: what it asks the ELM", () => {
  let id: string;
  let outs: Record<string, unknown>;
  const guidOf = (layerId: string) => rig.sim.layers().find((l) => String(l.id) === layerId)!.guid;

  beforeAll(async () => {
    const r = await osLayer.create(await checked(base));
    id = r.id;
    outs = r.outs;
  });

  it("create records the layer's GUID as layerGuid", () => {
    expect(outs.layerGuid).toBe(guidOf(id));
    expect(outs).toMatchObject({ elmUniqueId: FIRST, elmVersion: "24.9.0.1" });
  });

  it("a layer whose state has layerGuid costs one QueryOsLayerDetails and no identity query; outputs keep the recorded appliance", async () => {
    await osLayer.read(id, outs); // the pool's session is logged in
    rig.sim.resetRequestCounts();
    const r = await osLayer.read(id, outs);
    expect(calls()).toEqual({ QueryOsLayerDetails: 1 });
    expect(r.id).toBe(id);
    expect(r.props).toMatchObject({ layerGuid: guidOf(id), elmUniqueId: FIRST, elmVersion: "24.9.0.1" });
  });

  it("old state without layerGuid asks the appliance's identity, and the read's outputs then carry layerGuid", async () => {
    const { layerGuid: _guid, ...old } = outs;
    await sessions.closeAll(); // a new login: nothing asked in an earlier one counts
    rig.sim.resetRequestCounts();
    const r = await osLayer.read(id, old);
    expect(calls()).toEqual({ QueryOsLayerDetails: 1, QueryManagementApplianceDetailsWithParam: 1 });
    expect(r.props).toMatchObject({ layerGuid: guidOf(id), elmUniqueId: FIRST, elmVersion: "24.9.0.1" });
    rig.sim.resetRequestCounts();
    await osLayer.read(id, r.props!);
    expect(calls()).toEqual({ QueryOsLayerDetails: 1 });
  });

  it("another appliance at the address, its layer at the recorded id bearing another GUID: not adopted; the identity is asked and the layer found by name", async () => {
    rig.sim.setAppliance({ uniqueId: OTHER, softwareVersion: "2409.2" });
    rig.sim.reissueGuids();
    try {
      rig.sim.resetRequestCounts();
      const { result: r, warned } = await warnings(() => osLayer.read(id, outs));
      expect(calls().QueryManagementApplianceDetailsWithParam).toBe(1);
      expect(warned.join("")).toMatch(new RegExp(`another appliance than the one this layer was created on \\(UniqueId ${FIRST} → ${OTHER}.*: layer ${id}'s id is not used there; found layer "Refresh OS" by name \\(id ${id}\\)`));
      // The outputs record the appliance asked and the GUID the layer bears there: the next refresh is one call again.
      expect(r.props).toMatchObject({ layerGuid: guidOf(id), elmUniqueId: OTHER, elmVersion: "2409.2" });
      expect(r.props!.layerGuid).not.toBe(outs.layerGuid);
      rig.sim.resetRequestCounts();
      await osLayer.read(id, r.props!);
      expect(calls()).toEqual({ QueryOsLayerDetails: 1 });
    } finally {
      rig.sim.setAppliance({ uniqueId: FIRST, softwareVersion: "24.9.0.1" });
    }
  });
});
