/** The version plan (keepVersions, updateImageTemplates) computed from recorded versions, as diff and update both compute it. */
import { checkOsLayer } from "../../../provider/osLayer/check";
import { planRetention, templatesBehind } from "../../../provider/osLayer/retention";
import type { OsLayerVersion } from "../../../provider/osLayer/types";

const v = (name: string, o: Partial<OsLayerVersion> = {}): OsLayerVersion => ({ revisionId: name, name, state: "Deployable", canDelete: true, imageTemplates: [], ...o });
const inputs = (o: Record<string, unknown>) => checkOsLayer({ name: "L", connector: "c", ovfPath: "a/b.ovf", version: "1.2", ...o }).inputs;

describe("planRetention", () => {
  it("counts the version the update adds: keep 2 of 1.0, 1.1 + 1.2 deletes 1.0", () => {
    expect(planRetention([v("1.0"), v("1.1")], inputs({ keepVersions: 2 }))).toMatchObject({ deleteVersions: ["1.0"], blocked: [] });
  });

  it("without keepVersions nothing goes; versions not Deployable neither count nor go", () => {
    expect(planRetention([v("1.0"), v("1.1")], inputs({})).deleteVersions).toEqual([]);
    expect(planRetention([v("0.9", { state: "Broken" }), v("1.0"), v("1.1", { state: "Editing" })], inputs({ version: "1.0", keepVersions: 1 })).deleteVersions).toEqual([]);
  });

  it("never the newest Deployable, even with keepVersions 1", () => {
    expect(planRetention([v("1.0"), v("1.1"), v("1.2")], inputs({ keepVersions: 1 })).deleteVersions).toEqual(["1.0", "1.1"]);
  });

  it("a version a template uses, or with CanDelete false, is blocked with the reason, and is not replaced by a newer one", () => {
    const plan = planRetention([v("1.0", { imageTemplates: ["Sales"], canDelete: false }), v("1.1", { canDelete: false }), v("1.2")], inputs({ keepVersions: 1 }));
    expect(plan.deleteVersions).toEqual([]);
    expect(plan.blocked).toEqual([
      { version: "1.0", reason: "image template Sales uses it" },
      { version: "1.1", reason: expect.stringMatching(/CanDelete is false/) },
    ]);
  });

  it("templates moved to the wanted version free their old version", () => {
    const plan = planRetention([v("1.0", { imageTemplates: ["Sales"], canDelete: false }), v("1.2")], inputs({ keepVersions: 1, updateImageTemplates: ["Sales", "Ghost"] }));
    expect(plan).toEqual({ moveTemplates: ["Sales"], unknownTemplates: ["Ghost"], deleteVersions: ["1.0"], blocked: [] });
  });

  it("templatesBehind: templates on versions older than the current one", () => {
    expect(templatesBehind([v("1.0", { imageTemplates: ["B"] }), v("1.1", { imageTemplates: ["A"] }), v("1.2", { imageTemplates: ["C"] })], "1.2")).toEqual(["A", "B"]);
  });

  it("check: keepVersions is a whole number of at least 1; updateImageTemplates a list of names", () => {
    expect(checkOsLayer({ name: "L", connector: "c", ovfPath: "a/b.ovf", version: "1", keepVersions: 0 }).failures[0].reason).toMatch(/keepVersions: must be at least 1/);
    expect(checkOsLayer({ name: "L", connector: "c", ovfPath: "a/b.ovf", version: "1", updateImageTemplates: ["A", "A"] }).failures[0].reason).toMatch(/listed twice/);
    expect(checkOsLayer({ name: "L", connector: "c", ovfPath: "a/b.ovf", version: "1", updateImageTemplates: "A" }).failures[0].reason).toMatch(/must be a list of strings/);
  });
});
