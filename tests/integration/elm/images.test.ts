/** Image templates that use layer versions, the appliance's identity, and deleting a version a template holds: client against simulator. */
import { assertSupports, ElmError, UnsupportedByApplianceError, versionAtLeast } from "../../../provider/elm";
import { FAST, Rig, startRig } from "./helpers";

describe("image templates, appliance identity, guarded deletes", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ softwareVersion: "24.9.0.1", applianceUniqueId: "a1b2c3d4-0000-4000-8000-000000000001" });
  });
  afterAll(() => rig.stop());

  it("QueryManagementApplianceDetailsWithParam reports the appliance's UniqueId and SoftwareVersion, and follows a swap", async () => {
    const first = await rig.client.applianceDetails();
    expect(first).toMatchObject({ uniqueId: "a1b2c3d4-0000-4000-8000-000000000001", softwareVersion: "24.9.0.1", id: 32768 });
    rig.sim.setAppliance({ uniqueId: "ffff0000-0000-4000-8000-000000000002", softwareVersion: "4.10.0" });
    const second = await rig.client.applianceDetails();
    expect(second).toMatchObject({ uniqueId: "ffff0000-0000-4000-8000-000000000002", softwareVersion: "4.10.0" });
    rig.sim.setAppliance({ uniqueId: first.uniqueId, softwareVersion: first.softwareVersion });
  });

  it("QueryImageByLayerRevision names each template with the revision it uses; the revision's ImagesUsing agrees", async () => {
    const { sim, client } = rig;
    const layerId = sim.seedLayer({ name: "Templates OS", versions: ["1.0", "1.1", "1.2"] });
    const [r10, r11] = sim.revisions().filter((r) => r.layerId === layerId);
    sim.addImageTemplate("Accounting", r10.id);
    sim.addImageTemplate("Sales", r11.id);
    const rows = await client.imagesByLayerRevision(layerId);
    expect(rows.map((r) => [r.name, r.revisionName, r.revisionId]).sort()).toEqual([["Accounting", "1.0", r10.id], ["Sales", "1.1", r11.id]]);
    const details = await client.osLayerDetails(layerId);
    expect(details.revisions.map((r) => [r.versionName, r.imagesUsing.map((i) => i.name), r.canDelete])).toEqual([
      ["1.0", ["Accounting"], false],
      ["1.1", ["Sales"], false],
      ["1.2", [], true],
    ]);
  });

  it("a version a template uses cannot be deleted (CanDelete false, the ELM refuses naming the template); once the template moves it can", async () => {
    const { sim, client } = rig;
    const layerId = sim.seedLayer({ name: "Retire OS", versions: ["1.0", "1.1"] });
    const [r10, r11] = sim.revisions().filter((r) => r.layerId === layerId);
    const tpl = sim.addImageTemplate("Finance", r10.id);
    const share = await client.findFileShare();
    const refused = await client.deleteOsLayerRevisions({ layerId, revisionIds: [r10.id], fileShareId: share.id }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ElmError);
    expect((refused as ElmError).message).toMatch(/'1\.0' \(used by Finance\)/);

    await client.updateOsLayerAssignment({ imageIds: [tpl], revisionId: r11.id, comment: "move Finance to 1.1" });
    expect(sim.imageTemplates().find((t) => t.id === tpl)?.osRevisionId).toBe(r11.id);
    expect((await client.osLayerDetails(layerId)).revisions.map((r) => [r.versionName, r.canDelete])).toEqual([["1.0", true], ["1.1", false]]);

    const del = await client.deleteOsLayerRevisions({ layerId, revisionIds: [r10.id], fileShareId: share.id });
    await client.waitForWorkTicket(del.workTicketId, FAST);
    expect(sim.revisions().filter((r) => r.layerId === layerId).map((r) => r.versionName)).toEqual(["1.1"]);
  });

  it("UpdateOsLayerAssignment refuses a version that is not Deployable and a template of another layer", async () => {
    const { sim, client } = rig;
    const a = sim.seedLayer({ name: "Assign A", versions: ["1.0"] });
    const b = sim.seedLayer({ name: "Assign B", versions: ["1.0"] });
    const ra = sim.revisions().find((r) => r.layerId === a)!;
    const rb = sim.revisions().find((r) => r.layerId === b)!;
    const tpl = sim.addImageTemplate("Other layer", rb.id);
    await expect(client.updateOsLayerAssignment({ imageIds: [tpl], revisionId: ra.id })).rejects.toThrow(/uses OS layer 'Assign B', not 'Assign A'/);
    await expect(client.updateOsLayerAssignment({ imageIds: [], revisionId: ra.id })).rejects.toThrow(/at least one image template/);
  });

  it("the version gate refuses what an older appliance does not support, naming its version", () => {
    expect(versionAtLeast("2409", "4.11")).toBe(true);
    expect(versionAtLeast("24.9.0.1", "4.11")).toBe(true);
    expect(versionAtLeast("4.15.0.5", "4.11")).toBe(true);
    expect(versionAtLeast("4.10.0", "4.11")).toBe(false);
    expect(() => assertSupports({ softwareVersion: "4.10.0" }, "QueryImageByLayerRevision", "https://elm")).toThrow(UnsupportedByApplianceError);
    expect(() => assertSupports({ softwareVersion: "4.10.0" }, "QueryImageByLayerRevision", "https://elm")).toThrow(/runs App Layering 4\.10\.0.*needs 4\.11 or later/);
    expect(() => assertSupports({ softwareVersion: "2403.1" }, "QueryImageByLayerRevision", "https://elm")).not.toThrow();
  });
});
