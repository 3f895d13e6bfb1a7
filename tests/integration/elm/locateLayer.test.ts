/** OsLayer's locateLayer against the simulator: the recorded id is trusted only on the recorded appliance. */
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
});
