/**
 * The OsLayer reconciler called directly (as the host would) against the ELM simulator: import,
 * re-run adoption, versions through the packaging machine, resume after a deadline, edits,
 * drift on read, and deletion.
 */
import { PartialFailure } from "../../../provider/errors";
import { ElmClient, editLayerArgsFrom } from "../../../provider/elm";
import { ElmSim } from "../../../sim/elm";
import { checked, osLayer, useElm } from "./elmRig";

const base = { name: "Win2019 OS", connector: "vSphere", ovfPath: "exports/win2019/win2019.ovf", version: "1.0", description: "Base OS" };

const rig = useElm();
let sim: ElmSim;
beforeAll(() => {
  sim = rig.sim;
});

/** Shuts the packaging machine down as an admin would, once the ELM has made it. */
function adminShutsDownPackagingMachine(): () => void {
  const timer = setInterval(() => {
    for (const m of sim.packagingMachines()) sim.shutdownPackagingMachine(m.name);
  }, 50);
  return () => clearInterval(timer);
}

describe("OsLayer reconciler against the ELM simulator", () => {
  let id: string;
  let outs: Record<string, unknown>;

  it("imports the OVF from the share and waits for Deployable", async () => {
    const r = await osLayer.create(await checked(base));
    id = r.id;
    outs = r.outs;
    expect(outs).toMatchObject({ name: "Win2019 OS", version: "1.0", revisionState: "Deployable", pendingVersion: "", packagingMachine: "" });
    expect(outs.versions).toEqual([expect.objectContaining({ name: "1.0", state: "Deployable" })]);
    expect(sim.layers()).toHaveLength(1);
    expect((await osLayer.diff(id, outs, await checked(base))).changes).toBe(false);
  });

  it("a re-run of create adopts its own layer instead of importing again", async () => {
    const again = await osLayer.create(await checked(base));
    expect(again.id).toBe(id);
    expect(sim.layers()).toHaveLength(1);
  });

  it("refuses a layer of the same name it did not make, unless asked to adopt it", async () => {
    sim.seedLayer({ name: "Someone Else's", versions: ["7.0"] });
    const err = await osLayer.create(await checked({ ...base, name: "Someone Else's", version: "7.0" })).catch((e) => e);
    expect(err.message).toMatch(/already exists.*adoptExisting/);
    const adopted = await osLayer.create(await checked({ ...base, name: "Someone Else's", version: "7.0", adoptExisting: true }));
    expect(adopted.outs).toMatchObject({ version: "7.0", revisionState: "Deployable" });
  });

  it("a new version adds exactly one revision and finishes once the packaging machine is shut down", async () => {
    const news = await checked({ ...base, version: "2.0", versionDescription: "Patch Tuesday" });
    expect(await osLayer.diff(id, outs, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const stop = adminShutsDownPackagingMachine();
    try {
      outs = (await osLayer.update(id, outs, news)).outs;
    } finally {
      stop();
    }
    expect(outs).toMatchObject({ version: "2.0", revisionState: "Deployable", packagingMachine: "", pendingVersion: "" });
    expect((outs.versions as Array<{ name: string }>).map((v) => v.name)).toEqual(["1.0", "2.0"]);
  });

  it("when the deadline passes first it names the packaging machine; the next up resumes that same version", async () => {
    const news = await checked({ ...base, version: "3.0", versionTimeout: 0.02 });
    const err = await osLayer.update(id, outs, news).catch((e) => e);
    expect(err).toBeInstanceOf(PartialFailure);
    const machine = sim.packagingMachines()[0]?.name;
    expect(machine).toBeTruthy();
    expect(err.message).toContain(`packaging machine ${machine}`);
    expect(err.message).toMatch(/Shutdown For Finalize.*next `pulumi up` resumes/);
    const partial = err.properties as Record<string, unknown>;
    expect(partial).toMatchObject({ version: "2.0", pendingVersion: "3.0", packagingMachine: machine });
    // The engine records the partial outputs; the program still says 3.0, so the next diff is an update.
    expect((await osLayer.diff(id, partial, news)).changes).toBe(true);
    const stop = adminShutsDownPackagingMachine();
    try {
      outs = (await osLayer.update(id, partial, await checked({ ...base, version: "3.0" }))).outs;
    } finally {
      stop();
    }
    expect(outs).toMatchObject({ version: "3.0", revisionState: "Deployable" });
    const names = sim.revisions().filter((r) => String(r.layerId) === id).map((r) => r.versionName);
    expect(names.sort()).toEqual(["1.0", "2.0", "3.0"]);
  });

  it("edits name and description in place, and read shows a change made out of band", async () => {
    const news = await checked({ ...base, version: "3.0", description: "Golden image" });
    outs = (await osLayer.update(id, outs, news)).outs;
    expect(outs.description).toBe("Golden image");
    expect(sim.layers().find((l) => String(l.id) === id)?.description).toBe("Golden image");
    // Another admin edits the layer in the ELM.
    const admin = new ElmClient({ address: sim.url, user: sim.user, password: sim.password });
    await admin.login();
    await admin.editLayer(editLayerArgsFrom(await admin.osLayerDetails(Number(id)), { description: "changed by hand" }));
    await admin.logout();
    const refreshed = await osLayer.read(id, outs);
    expect(refreshed.props?.description).toBe("changed by hand");
    expect((await osLayer.diff(id, refreshed.props!, news)).changes).toBe(true);
  });

  it("refuses to delete a layer that images use, naming them; deletes every version otherwise", async () => {
    const rev = sim.revisions().find((r) => String(r.layerId) === id && r.versionName === "3.0")!;
    sim.setImagesUsing(rev.id, [{ id: 1, name: "Finance desktops" }]);
    await expect(osLayer.delete(id, outs)).rejects.toThrow(/image templates use this layer \(Finance desktops\)/);
    sim.setImagesUsing(rev.id, []);
    await osLayer.delete(id, outs);
    expect(sim.layers().find((l) => String(l.id) === id)).toBeUndefined();
    expect(await osLayer.read(id, outs)).toEqual({});
    await osLayer.delete(id, outs); // gone is gone: a second delete is a no-op
  });

  it("rejects an unknown connector before changing anything", async () => {
    const before = sim.layers().length;
    await expect(osLayer.create(await checked({ ...base, name: "Other", connector: "Nope" }))).rejects.toThrow(/Nope/);
    expect(sim.layers()).toHaveLength(before);
  });
});
