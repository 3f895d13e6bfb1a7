/**
 * OsLayer's locateLayer against the simulator: the recorded id is trusted only on the recorded
 * appliance, or (for a refresh) when the layer there bears the recorded GUID.
 */
import { locateLayer } from "../../../provider/osLayer/identity";
import { importLayer, Rig, startRig } from "./helpers";

const FIRST = "a1b2c3d4-0000-4000-8000-0000000000aa";
const OTHER = "ffff0000-0000-4000-8000-0000000000bb";

describe("locateLayer", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ softwareVersion: "24.9.0.1", applianceUniqueId: FIRST });
  });
  afterAll(() => rig.stop());
  afterEach(() => rig.sim.setAppliance({ uniqueId: FIRST, softwareVersion: "24.9.0.1" }));

  const guidOf = (layerId: number) => rig.sim.layers().find((l) => l.id === layerId)!.guid;
  /** Requests since the last reset, Login aside (a swapped appliance ended the session). */
  const calls = () => {
    const { Login: _login, ...rest } = rig.sim.requestCounts();
    return rest;
  };

  it("on the recorded appliance, a fault of the by-id read fails the lookup", async () => {
    const { layerId } = await importLayer(rig, "Locate Same");
    const c = rig.newClient();
    await c.login();
    rig.sim.inject({ http500Next: 1 });
    await expect(locateLayer(c, String(layerId), { layerId: String(layerId), elmUniqueId: FIRST, elmVersion: "24.9.0.1" }, "Locate Same")).rejects.toThrow(/Injected HTTP 500/);
    await c.logout();
  });

  it("on another appliance, a fault of the by-id read does not matter: the layer is found by name", async () => {
    const { layerId } = await importLayer(rig, "Locate Other");
    const c = rig.newClient();
    await c.login();
    rig.sim.setAppliance({ uniqueId: OTHER, softwareVersion: "2409.2" });
    rig.sim.inject({ http500Next: 1 });
    const located = await locateLayer(c, "999999", { layerId: "999999", elmUniqueId: FIRST, elmVersion: "24.9.0.1" }, "Locate Other");
    expect(located.details?.summary.id).toBe(layerId);
    expect(located.appliance.uniqueId).toBe(OTHER);
    expect(located.changed).toMatch(/another appliance .*layer 999999's id is not used there; found layer "Locate Other" by name/);
    await c.logout();
  });

  it("for a refresh, the layer at the recorded id bearing the recorded GUID is the layer: one QueryOsLayerDetails, the appliance not asked", async () => {
    const { layerId } = await importLayer(rig, "Locate Guid");
    const old = { layerId: String(layerId), layerGuid: guidOf(layerId), elmUniqueId: FIRST, elmVersion: "24.9.0.1" };
    const c = rig.newClient();
    await c.login();
    rig.sim.resetRequestCounts();
    const located = await locateLayer(c, String(layerId), old, "Locate Guid", { byGuid: true });
    expect(calls()).toEqual({ QueryOsLayerDetails: 1 });
    expect(located.details?.guid).toBe(old.layerGuid);
    expect(located.recorded).toBe(true);
    expect(located.appliance).toMatchObject({ uniqueId: FIRST, softwareVersion: "24.9.0.1" });
    expect(located.changed).toBeUndefined();
    // Without byGuid (update, delete), the appliance is asked as before.
    rig.sim.resetRequestCounts();
    const asked = await locateLayer(c, String(layerId), old, "Locate Guid");
    expect(calls()).toEqual({ QueryOsLayerDetails: 1, QueryManagementApplianceDetailsWithParam: 1 });
    expect(asked.recorded).toBeUndefined();
    await c.logout();
  });

  it("for a refresh, another appliance's layer at the recorded id (another GUID) is not used: the appliance is asked, the layer found by name", async () => {
    const { layerId: theirs } = await importLayer(rig, "Locate Theirs");
    const { layerId: ours } = await importLayer(rig, "Locate Swapped");
    // Recorded on the first appliance, where our layer had the id that the other appliance gives to its own layer.
    const old = { layerId: String(theirs), layerGuid: guidOf(theirs), elmUniqueId: FIRST, elmVersion: "24.9.0.1" };
    const c = rig.newClient();
    await c.login();
    rig.sim.setAppliance({ uniqueId: OTHER, softwareVersion: "2409.2" });
    rig.sim.reissueGuids();
    rig.sim.resetRequestCounts();
    const located = await locateLayer(c, String(theirs), old, "Locate Swapped", { byGuid: true });
    expect(calls().QueryManagementApplianceDetailsWithParam).toBe(1);
    expect(located.recorded).toBeUndefined();
    expect(located.details?.summary.id).toBe(ours);
    expect(located.appliance).toMatchObject({ uniqueId: OTHER, softwareVersion: "2409.2" });
    expect(located.changed).toMatch(new RegExp(`another appliance .*layer ${theirs}'s id is not used there; found layer "Locate Swapped" by name \\(id ${ours}\\)`));
    await c.logout();
  });

  it("for a refresh, state without a recorded GUID (an older version's) asks the appliance, once per login", async () => {
    const { layerId } = await importLayer(rig, "Locate Old State");
    const old = { layerId: String(layerId), elmUniqueId: FIRST, elmVersion: "24.9.0.1" };
    const c = rig.newClient();
    await c.login();
    rig.sim.resetRequestCounts();
    const located = await locateLayer(c, String(layerId), old, "Locate Old State", { byGuid: true });
    await locateLayer(c, String(layerId), old, "Locate Old State", { byGuid: true });
    expect(calls()).toEqual({ QueryOsLayerDetails: 2, QueryManagementApplianceDetailsWithParam: 1 });
    expect(located.recorded).toBeUndefined();
    expect(located.details?.guid).toBe(guidOf(layerId));
    expect(located.appliance.uniqueId).toBe(FIRST);
    await c.logout();
  });
});
