/**
 * Issue 17 through the SDK's dynamic-provider host (the engine's order and encodings) against the
 * ELM simulator: keepVersions, image templates (per-version outputs, templatesBehind,
 * updateImageTemplates) and the appliance's identity and version. Every up is preceded by a
 * preview that must predict it exactly, including the versions it deletes and the templates it moves.
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import linkPackage, { repositoryRoot } from "../../setup/linkPackage";
import { assertPreviewMatchesUp, DynamicProviderHost, Engine, isNoop, Plan, Program, resource, secret } from "../../harness";
import { trampoline } from "../../../sdk/trampoline";
import { ElmSim, startElmSim } from "../../../sim/elm";

const FIXTURES = path.join(__dirname, "../../fixtures/ovf");
const LAYER = "Versions OS";

interface Knobs {
  version: string;
  keepVersions?: number;
  updateImageTemplates?: string[];
}

function program(k: Knobs): Program {
  return [
    resource(
      trampoline("osLayer"),
      "layer",
      {
        name: LAYER,
        connector: "vSphere",
        ovfPath: "exports/win2019/win2019.ovf",
        version: k.version,
        maxLayerSizeGb: 60,
        versionTimeout: 5,
        ...(k.keepVersions !== undefined ? { keepVersions: k.keepVersions } : {}),
        ...(k.updateImageTemplates ? { updateImageTemplates: k.updateImageTemplates } : {}),
      },
      { module: "applayering", type: "OsLayer" },
    ),
  ];
}

describe("OsLayer versions, image templates and the appliance, through the dynamic-provider host", () => {
  let sim: ElmSim;
  let dir: string;
  let host: DynamicProviderHost;
  let engine: Engine;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "versions-"));
    await fs.mkdir(path.join(dir, "share/exports/win2019"), { recursive: true });
    await fs.copyFile(path.join(FIXTURES, "win2019-bios.ovf"), path.join(dir, "share/exports/win2019/win2019.ovf"));
    await fs.copyFile(path.join(FIXTURES, "win2019-disk-0.vmdk"), path.join(dir, "share/exports/win2019/win2019-disk-0.vmdk"));
    sim = await startElmSim({ clockSpeed: 1000, fileShares: [{ uncPath: "\\\\127.0.0.1\\layers", localDir: path.join(dir, "share") }], softwareVersion: "24.9.0.1" });
    linkPackage();
    host = await DynamicProviderHost.start({
      cwd: repositoryRoot(),
      project: "versions",
      config: { "applayering:elmAddress": sim.url, "applayering:elmUser": sim.user, "applayering:elmPassword": secret(sim.password) },
      env: { APPLAYERING_POLL_INTERVAL_MS: "20" },
    });
    engine = new Engine({ host, stateFile: path.join(dir, "state.json"), passphrase: "versions" });
  });

  afterAll(async () => {
    await host?.close();
    await sim?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const outputs = () => engine.resource("layer")!.outputs as Record<string, unknown>;
  const simVersions = () => sim.revisions().filter((r) => sim.layers().find((l) => l.name === LAYER)?.id === r.layerId).map((r) => r.versionName);
  const revId = (v: string) => sim.revisions().find((r) => r.versionName === v && sim.layers().find((l) => l.id === r.layerId)?.name === LAYER)!.id;
  const lines = (p: Plan) => p.log.map((l) => l.text);
  /** What a plan printed about versions and templates (the same text in preview and up). */
  const planned = (p: Plan) => lines(p).filter((l) => /the update (deletes|points)|beyond keepVersions|the update looks the layer up by name/.test(l));

  async function previewThenUp(k: Knobs, during?: () => () => void): Promise<{ preview: Plan; up: Plan }> {
    const preview = await engine.preview(program(k));
    const stop = during?.();
    try {
      const up = await engine.up(program(k));
      assertPreviewMatchesUp(preview, up, { exact: true });
      expect(planned(up)).toEqual(planned(preview));
      return { preview, up };
    } finally {
      stop?.();
    }
  }

  function admin(): () => void {
    const t = setInterval(() => sim.packagingMachines().forEach((m) => sim.shutdownPackagingMachine(m.name)), 30);
    return () => clearInterval(t);
  }

  it("create records the appliance's UniqueId and version; versions 1.1 and 1.2 keep every version while keepVersions is unset", async () => {
    await previewThenUp({ version: "1.0" });
    expect(outputs()).toMatchObject({ elmUniqueId: sim.appliance().uniqueId, elmVersion: "24.9.0.1", templatesBehind: [] });
    await previewThenUp({ version: "1.1" }, admin);
    const { preview } = await previewThenUp({ version: "1.2" }, admin);
    expect(planned(preview)).toEqual([]);
    expect(simVersions()).toEqual(["1.0", "1.1", "1.2"]);
  });

  it("refresh lists, per version, the image templates that use it, and templatesBehind those on older versions", async () => {
    sim.addImageTemplate("Sales", revId("1.1"));
    await engine.refresh();
    const versions = outputs().versions as Array<{ name: string; imageTemplates: string[]; canDelete: boolean }>;
    expect(versions.map((v) => [v.name, v.imageTemplates, v.canDelete])).toEqual([
      ["1.0", [], true],
      ["1.1", ["Sales"], false],
      ["1.2", [], true],
    ]);
    expect(outputs().templatesBehind).toEqual(["Sales"]);
  });

  it("an operation the appliance's version does not support is refused naming the version, and nothing is deleted", async () => {
    sim.setAppliance({ softwareVersion: "4.10.0" });
    try {
      await expect(engine.up(program({ version: "1.2", keepVersions: 1 }))).rejects.toThrow(/App Layering 4\.10\.0, and DeleteOsLayerRevisions needs 4\.11 or later/);
      expect(simVersions()).toEqual(["1.0", "1.1", "1.2"]);
    } finally {
      sim.setAppliance({ softwareVersion: "24.9.0.1" });
    }
  });

  it("lowering keepVersions on its own is an update: the preview names 1.0, the update deletes exactly 1.0", async () => {
    const { preview, up } = await previewThenUp({ version: "1.2", keepVersions: 2 });
    expect(preview.steps.map((s) => [s.name, s.op, s.diffKeys])).toEqual([["layer", "update", ["keepVersions"]]]);
    expect(planned(preview)).toEqual([expect.stringMatching(/the update deletes version\(s\) 1\.0 \(keepVersions 2\)$/)]);
    expect(lines(up).some((l) => /deleting version\(s\) 1\.0 \(keepVersions 2\)/.test(l))).toBe(true);
    expect(simVersions()).toEqual(["1.1", "1.2"]);
    expect(isNoop(await engine.preview(program({ version: "1.2", keepVersions: 2 })))).toBe(true);
  });

  it("a version an image template uses stays, named in a warning, not an error; the newest Deployable is never deleted", async () => {
    const { preview } = await previewThenUp({ version: "1.2", keepVersions: 1 });
    expect(planned(preview)).toEqual([expect.stringMatching(/warning: .*version 1\.1 is beyond keepVersions 1 but stays: image template Sales uses it$/)]);
    expect(simVersions()).toEqual(["1.1", "1.2"]);
    expect(isNoop(await engine.preview(program({ version: "1.2", keepVersions: 1 })))).toBe(true);
  });

  it("updateImageTemplates points the template at the wanted version, after which the old version can go: the preview names both", async () => {
    const { preview } = await previewThenUp({ version: "1.2", keepVersions: 1, updateImageTemplates: ["Sales"] });
    expect(planned(preview)).toEqual([
      expect.stringMatching(/the update points image template\(s\) Sales at version 1\.2$/),
      expect.stringMatching(/the update deletes version\(s\) 1\.1 \(keepVersions 1\)$/),
    ]);
    expect(sim.imageTemplates().map((t) => [t.name, t.osRevisionId])).toEqual([["Sales", revId("1.2")]]);
    expect(simVersions()).toEqual(["1.2"]);
    expect(outputs().templatesBehind).toEqual([]);
  });

  it("a template name that uses no version of the layer fails the update, naming the templates that do", async () => {
    await expect(engine.up(program({ version: "1.2", keepVersions: 1, updateImageTemplates: ["Sales", "Nobody"] }))).rejects.toThrow(
      /updateImageTemplates: no image template named "Nobody" uses layer "Versions OS" \(templates using it: Sales\)/,
    );
  });

  it("another appliance at the same address: the preview says so, the update finds the layer by name and records it; a second preview is quiet", async () => {
    const before = outputs().elmUniqueId;
    sim.setAppliance({ uniqueId: "0f0f0f0f-1111-4222-8333-444444444444", softwareVersion: "2409.2" });
    const { preview, up } = await previewThenUp({ version: "1.2", keepVersions: 1, updateImageTemplates: ["Sales"] });
    expect(preview.steps.map((s) => [s.name, s.op])).toEqual([["layer", "update"]]);
    expect(planned(preview)[0]).toMatch(new RegExp(`another appliance than the one this layer was created on \\(UniqueId ${before} → 0f0f0f0f-1111-4222-8333-444444444444, App Layering 24\\.9\\.0\\.1 → 2409\\.2\\)`));
    expect(lines(up).some((l) => /found layer "Versions OS" by name/.test(l))).toBe(true);
    expect(outputs()).toMatchObject({ elmUniqueId: "0f0f0f0f-1111-4222-8333-444444444444", elmVersion: "2409.2" });
    expect(isNoop(await engine.preview(program({ version: "1.2", keepVersions: 1, updateImageTemplates: ["Sales"] })))).toBe(true);
  });

  it("an appliance without the layer is never mixed in: refresh reports it gone by name, with the appliance named", async () => {
    sim.setAppliance({ uniqueId: "99999999-1111-4222-8333-444444444444" });
    // Another appliance's layers are its own objects: the layer at the recorded id bears another GUID.
    sim.reissueGuids();
    const admin = await import("../../../provider/elm");
    const c = new admin.ElmClient({ address: sim.url, user: sim.user, password: sim.password });
    await c.login();
    const id = sim.layers().find((l) => l.name === LAYER)!.id;
    await c.editLayer(admin.editLayerArgsFrom(await c.osLayerDetails(id), { name: "Renamed by hand" }));
    await c.logout();
    const refresh = await engine.refresh();
    expect(lines(refresh).some((l) => /another appliance .*no layer named "Versions OS" exists there/.test(l))).toBe(true);
    expect(engine.resource("layer")).toBeUndefined();
  });
});
