/**
 * The example program (examples/os-layer/index.ts, unchanged, through the SDK's runtime) through
 * its life against vcsim, smbd and the ELM simulator: a host per operation, steps as the engine
 * orders them. Changes are made as a user makes them: `pulumi config set`, or an edit of the
 * program (a copy of the example with one line changed). Every up is preceded by a preview that
 * must predict it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assertPreviewMatchesUp, Engine, isNoop, isSecret, Plan, PulumiProgram, summarize, UNKNOWN } from "../../harness";
import { exampleEngine, exampleProgram, ProgramCopies } from "../../lifecycle/exampleProgram";
import { Peers, startPeers } from "../../../sim/peers";
import { ElmClient, editLayerArgsFrom } from "../../../provider/elm";

describe("the os-layer example program, through the SDK's runtime and a host per operation", () => {
  let peers: Peers;
  let engine: Engine;
  let dir: string;
  let copies: ProgramCopies;
  const hostLog: string[] = [];

  beforeAll(async () => {
    peers = await startPeers();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
    copies = new ProgramCopies();
    engine = exampleEngine(peers, { stateFile: path.join(dir, "state.json"), onLine: (l) => hostLog.push(l.text) });
  });

  afterAll(async () => {
    await peers?.stop();
    copies?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ops = (p: Plan) => p.steps.map((s) => [s.name, s.op]);
  const GOLDEN: [string, string] = ['description: "Base OS layer, built by Pulumi"', 'description: "Golden image"'];
  const FOUR_CPUS: [string, string] = ["cpus: 2,", "cpus: 4,"];

  async function previewThenUp(program: PulumiProgram): Promise<Plan> {
    const preview = await engine.preview(program);
    const up = await engine.up(program);
    assertPreviewMatchesUp(preview, up);
    return up;
  }

  /** Shuts the packaging machine down as an admin would: once `pulumi up` has said it is ready. */
  function adminShutsDownPackagingMachine(): () => void {
    const t = setInterval(() => {
      if (!hostLog.some((l) => /packaging machine .* is ready/.test(l))) return;
      // A machine listed a moment ago may be gone already (shut down on the previous tick): skip it.
      peers.elm.packagingMachines().forEach((m) => {
        try {
          peers.elm.shutdownPackagingMachine(m.name);
        } catch {
          /* already shut down */
        }
      });
    }, 50);
    return () => clearInterval(t);
  }

  it("creates the whole chain: VM, export on the share, layer Deployable; the exports are the stack's outputs", async () => {
    const preview = await engine.preview(exampleProgram());
    expect(ops(preview)).toEqual([["win2022-os", "create"], ["win2022-ovf", "create"], ["win2022-layer", "create"]]);
    // The SDK saw the machine's outputs as unknown during the preview, the derived path as known.
    expect(preview.steps[1].unknownKeys).toEqual(expect.arrayContaining(["vmChangeVersion", "vmMoref"]));
    expect(preview.steps[2].unknownKeys ?? []).not.toContain("ovfPath");
    expect(preview.outputs?.layerId).toBe(UNKNOWN);
    const up = await engine.up(exampleProgram());
    assertPreviewMatchesUp(preview, up);
    expect(summarize(up)).toEqual({ create: 3 });
    expect(engine.resource("win2022-layer")!.outputs).toMatchObject({ version: "1.0", revisionState: "Deployable", ovfPath: "exports/win2022/win2022.ovf" });
    expect(engine.resource("win2022-ovf")!.dependencies).toEqual([engine.resource("win2022-os")!.urn]);
    expect(engine.resource("win2022-layer")!.dependencies).toEqual([engine.resource("win2022-ovf")!.urn]);
    expect(fs.existsSync(path.join(peers.smbd.dir, "exports/win2022/win2022.ovf"))).toBe(true);
    expect(peers.elm.layers().map((l) => l.name)).toEqual(["Windows Server 2022"]);
    const exports = engine.state().outputs!;
    expect(exports).toMatchObject({ vm: "DC0/vm/win2022-os", osLayerReady: true, layerId: String(peers.elm.layers()[0].id) });
    expect(String(exports.ovfFile)).toMatch(/\\exports\\win2022\\win2022\.ovf$/);
  });

  it("a second up with no change reports no changes", async () => {
    const preview = await engine.preview(exampleProgram());
    const up = await engine.up(exampleProgram());
    expect(isNoop(preview)).toBe(true);
    expect(isNoop(up)).toBe(true);
  });

  it("a description edit in the program is an update in place, not a replace", async () => {
    const up = await previewThenUp(copies.edit([GOLDEN]));
    expect(ops(up)).toEqual([["win2022-os", "same"], ["win2022-ovf", "same"], ["win2022-layer", "update"]]);
    expect(peers.elm.layers()[0].description).toBe("Golden image");
  });

  it("`pulumi config set version 1.1` adds one revision, finished once the packaging machine is shut down", async () => {
    engine.setConfig("version", "1.1");
    engine.setConfig("versionDescription", "November patches");
    const stop = adminShutsDownPackagingMachine();
    let up: Plan;
    try {
      up = await previewThenUp(copies.edit([GOLDEN]));
    } finally {
      stop();
    }
    expect(summarize(up)).toEqual({ same: 2, update: 1 });
    const layerId = peers.elm.layers()[0].id;
    expect(peers.elm.revisions().filter((r) => r.layerId === layerId).map((r) => [r.versionName, r.state])).toEqual([
      ["1.0", "Deployable"],
      ["1.1", "Deployable"],
    ]);
    // The provider's progress reached the engine as log messages naming the layer (a dynamic
    // provider is not told its URN, so the engine cannot attribute them itself).
    // The example packages versions unattended (OsLayer.packaging), so no "is ready" for a person: its own steps.
    expect(up.diagnostics!.some((m) => /OsLayer Windows Server 2022: adding version 1\.1 based on 1\.0/.test(m.message))).toBe(true);
    expect(up.diagnostics!.some((m) => /OsLayer Windows Server 2022: running Shutdown For Finalize in /.test(m.message))).toBe(true);
    expect((engine.state().outputs!.versions as { name: string }[]).map((v) => v.name)).toEqual(["1.0", "1.1"]);
  });

  it("`pulumi config set version 1.2`, then `keepVersions 2` — the preview names 1.0 and the update removes exactly it", async () => {
    engine.setConfig("version", "1.2");
    engine.setConfig("versionDescription", "December patches");
    const stop = adminShutsDownPackagingMachine();
    try {
      await previewThenUp(copies.edit([GOLDEN]));
    } finally {
      stop();
    }
    const layerId = peers.elm.layers()[0].id;
    const names = () => peers.elm.revisions().filter((r) => r.layerId === layerId).map((r) => r.versionName);
    expect(names()).toEqual(["1.0", "1.1", "1.2"]);
    engine.setConfig("keepVersions", "2");
    const program = copies.edit([GOLDEN]);
    const preview = await engine.preview(program);
    const said = preview.log.map((l) => l.text).filter((t) => /the update deletes/.test(t));
    expect(said).toEqual([expect.stringMatching(/OsLayer Windows Server 2022: the update deletes version\(s\) 1\.0 \(keepVersions 2\)$/)]);
    const up = await engine.up(program);
    assertPreviewMatchesUp(preview, up, { exact: true });
    expect(ops(up)).toEqual([["win2022-os", "same"], ["win2022-ovf", "same"], ["win2022-layer", "update"]]);
    expect(names()).toEqual(["1.1", "1.2"]);
    expect((engine.resource("win2022-layer")!.outputs.versions as Array<{ name: string }>).map((v) => v.name)).toEqual(["1.1", "1.2"]);
    // The example exports the versions' outputs a user reads: no template is behind, the ELM's version is known.
    expect(engine.state().outputs).toMatchObject({ templatesBehind: [], elmVersion: expect.stringMatching(/\d/) });
  });

  it("new hardware on the VM means a new export over the old one, and the layer stays", async () => {
    const layerId = peers.elm.layers()[0].id;
    const before = engine.resource("win2022-ovf")!.outputs.files;
    const up = await previewThenUp(copies.edit([GOLDEN, FOUR_CPUS]));
    expect(ops(up)).toEqual([["win2022-os", "update"], ["win2022-ovf", "replace"], ["win2022-layer", "same"]]);
    const after = engine.resource("win2022-ovf")!.outputs.files;
    expect(after).not.toEqual(before);
    expect(fs.existsSync(path.join(peers.smbd.dir, "exports/win2022/win2022.ovf"))).toBe(true);
    expect(peers.elm.layers().map((l) => l.id)).toEqual([layerId]);
  });

  it("refresh sees a change made out of band, and the next up puts it back", async () => {
    const admin = new ElmClient({ address: peers.elm.url, user: peers.elm.user, password: peers.elm.password, tls: { ca: peers.elm.caCertPem } });
    await admin.login();
    const id = peers.elm.layers()[0].id;
    await admin.editLayer(editLayerArgsFrom(await admin.osLayerDetails(id), { description: "edited by hand" }));
    await admin.logout();
    const refresh = await engine.refresh();
    expect(refresh.steps.find((s) => s.name === "win2022-layer")?.op).not.toBe("same");
    const program = copies.edit([GOLDEN, FOUR_CPUS]);
    const preview = await engine.preview(program);
    expect(ops(preview)).toContainEqual(["win2022-layer", "update"]);
    await previewThenUp(program);
    expect(peers.elm.layers()[0].description).toBe("Golden image");
  });

  it("a new export name replaces the layer (the old one deleted first, since the name stays)", async () => {
    const oldId = peers.elm.layers()[0].id;
    const up = await previewThenUp(copies.edit([GOLDEN, FOUR_CPUS, ['name: "win2022",', 'name: "win2022-b",']]));
    expect(ops(up)).toEqual([["win2022-os", "same"], ["win2022-ovf", "replace"], ["win2022-layer", "replace"]]);
    const layers = peers.elm.layers();
    expect(layers).toHaveLength(1);
    expect(layers[0].id).not.toBe(oldId);
    expect(fs.readdirSync(path.join(peers.smbd.dir, "exports")).filter((n) => !n.startsWith(".")).sort()).toEqual(["win2022-b"]);
  });

  it("a new VM in place of the old (delete before replace) means a new export, and the layer and its versions stay", async () => {
    // The engine deletes first the dependents a delete-before-replace would replace, judged by a
    // Diff with the inputs fed by the condemned resources unknown: the export (its VM changes) and,
    // unless the layer's diff keeps an unknown export path, the layer with every version.
    const layer = peers.elm.layers()[0];
    const oldVm = engine.resource("win2022-os")!.id;
    const up = await previewThenUp(copies.edit([GOLDEN, FOUR_CPUS, ['name: "win2022",', 'name: "win2022-b",'], ['guestId: "windows2019srvNext_64Guest"', 'guestId: "windows2019srv_64Guest"']]));
    expect(up.steps.map((s) => [s.name, s.op, s.deleteBeforeReplace])).toEqual([
      ["win2022-os", "replace", true],
      ["win2022-ovf", "replace", true],
      ["win2022-layer", "same", undefined],
    ]);
    expect(engine.resource("win2022-os")!.id).not.toBe(oldVm);
    expect(peers.elm.layers().map((l) => [l.id, l.revisions.length])).toEqual([[layer.id, layer.revisions.length]]);
    expect(fs.existsSync(path.join(peers.smbd.dir, "exports/win2022-b/win2022-b.ovf"))).toBe(true);
  });

  it("keeps every password out of the state file and the logs; config secrets stay secret", () => {
    const text = fs.readFileSync(path.join(dir, "state.json"), "utf8");
    for (const pw of [peers.vcsim.password, peers.elm.password, peers.smbd.password]) {
      expect(text).not.toContain(pw);
      expect(hostLog.join("\n")).not.toContain(pw);
      expect(engine.diagnostics.map((m) => m.message).join("\n")).not.toContain(pw);
    }
    expect(isSecret(engine.config["applayering:elmPassword"])).toBe(true);
  });

  it("destroy removes the layer, the export and the VM, dependents first", async () => {
    const plan = await engine.destroy();
    expect(ops(plan)).toEqual([["win2022-layer", "delete"], ["win2022-ovf", "delete"], ["win2022-os", "delete"]]);
    expect(peers.elm.layers()).toEqual([]);
    expect(fs.readdirSync(path.join(peers.smbd.dir, "exports")).filter((n) => !n.startsWith("."))).toEqual([]);
    expect(engine.state().resources).toEqual([]);
  });
});
