/**
 * The example stack through its life, driven through the SDK's dynamic-provider host over gRPC as
 * the engine drives it, against vcsim, smbd and the ELM simulator. Every up is preceded by a
 * preview that must predict it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assertPreviewMatchesUp, DynamicProviderHost, Engine, EngineLogServer, isNoop, Plan, Program, summarize } from "../../harness";
import { osLayerStack, startStackHost, StackKnobs } from "../../lifecycle/osLayerStack";
import { Peers, startPeers } from "../../../sim/peers";
import { ElmClient, editLayerArgsFrom } from "../../../provider/elm";


describe("the os-layer example stack, through the dynamic-provider host", () => {
  let peers: Peers;
  let host: DynamicProviderHost;
  let engine: Engine;
  let dir: string;
  const hostLog: string[] = [];
  let engineLog: EngineLogServer;

  beforeAll(async () => {
    peers = await startPeers();
    engineLog = await EngineLogServer.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-"));
    host = await startStackHost(peers, { onLine: (l) => hostLog.push(l.text), engineAddress: engineLog.address });
    engine = new Engine({ host, stateFile: path.join(dir, "state.json"), passphrase: "lifecycle" });
  });

  afterAll(async () => {
    await host?.close();
    await engineLog?.close();
    await peers?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const stack = (knobs: StackKnobs): Program => osLayerStack(peers.settings, knobs);
  const ops = (p: Plan) => p.steps.map((s) => [s.name, s.op]);

  async function previewThenUp(program: Program): Promise<Plan> {
    const preview = await engine.preview(program);
    const up = await engine.up(program);
    assertPreviewMatchesUp(preview, up);
    return up;
  }

  /** Shuts the packaging machine down as an admin would: once `pulumi up` has said it is ready. */
  function adminShutsDownPackagingMachine(): () => void {
    const t = setInterval(() => {
      if (!hostLog.some((l) => /packaging machine .* is ready/.test(l))) return;
      peers.elm.packagingMachines().forEach((m) => peers.elm.shutdownPackagingMachine(m.name));
    }, 50);
    return () => clearInterval(t);
  }

  it("creates the whole chain: VM, export on the share, layer Deployable", async () => {
    const up = await previewThenUp(stack({ version: "1.0" }));
    expect(summarize(up)).toEqual({ create: 3 });
    const layer = engine.resource("win2022-layer")!;
    expect(engine.state().resources.filter((r) => r.type.endsWith(":OsLayer"))[0].outputs).toMatchObject({
      version: "1.0",
      revisionState: "Deployable",
      ovfPath: "exports/win2022/win2022.ovf",
    });
    expect(layer).toBeDefined();
    expect(fs.existsSync(path.join(peers.smbd.dir, "exports/win2022/win2022.ovf"))).toBe(true);
    expect(peers.elm.layers().map((l) => l.name)).toEqual(["Windows Server 2022"]);
  });

  it("a second up with no change reports no changes", async () => {
    const preview = await engine.preview(stack({ version: "1.0" }));
    const up = await engine.up(stack({ version: "1.0" }));
    expect(isNoop(preview)).toBe(true);
    expect(isNoop(up)).toBe(true);
  });

  it("a description edit is an update in place, not a replace", async () => {
    const up = await previewThenUp(stack({ version: "1.0", description: "Golden image" }));
    expect(ops(up)).toEqual([["win2022-os", "same"], ["win2022-ovf", "same"], ["win2022-layer", "update"]]);
    expect(peers.elm.layers()[0].description).toBe("Golden image");
  });

  it("a version bump adds one revision, finished once the packaging machine is shut down", async () => {
    const stop = adminShutsDownPackagingMachine();
    let up: Plan;
    try {
      up = await previewThenUp(stack({ version: "1.1", description: "Golden image", versionDescription: "November patches" }));
    } finally {
      stop();
    }
    expect(summarize(up)).toEqual({ same: 2, update: 1 });
    const layerId = peers.elm.layers()[0].id;
    expect(peers.elm.revisions().filter((r) => r.layerId === layerId).map((r) => [r.versionName, r.state])).toEqual([
      ["1.0", "Deployable"],
      ["1.1", "Deployable"],
    ]);
    expect(hostLog.some((l) => /packaging machine .* is ready/.test(l))).toBe(true);
    // The same progress reached the engine as log messages (what the CLI shows with the update).
    expect(engineLog.messages.some((m) => /OsLayer Windows Server 2022: packaging machine .* is ready/.test(m.message))).toBe(true);
  });

  it("new hardware on the VM means a new export over the old one, and the layer stays", async () => {
    const knobs = { version: "1.1", description: "Golden image", versionDescription: "November patches", cpus: 4 };
    const layerId = peers.elm.layers()[0].id;
    const before = engine.resource("win2022-ovf")!.outputs.files;
    const up = await previewThenUp(stack(knobs));
    expect(ops(up)).toEqual([["win2022-os", "update"], ["win2022-ovf", "replace"], ["win2022-layer", "same"]]);
    // Create-before-delete into the same folder: the new export is published over the old one,
    // and deleting the old resource leaves the folder, which now holds the new files.
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
    const knobs = { version: "1.1", description: "Golden image", versionDescription: "November patches", cpus: 4 };
    const preview = await engine.preview(stack(knobs));
    expect(ops(preview)).toContainEqual(["win2022-layer", "update"]);
    await previewThenUp(stack(knobs));
    expect(peers.elm.layers()[0].description).toBe("Golden image");
  });

  it("a new source replaces the layer (the old one deleted first, since the name stays)", async () => {
    const oldId = peers.elm.layers()[0].id;
    const up = await previewThenUp(stack({ version: "1.1", description: "Golden image", versionDescription: "November patches", cpus: 4, exportName: "win2022-b" }));
    expect(ops(up)).toEqual([["win2022-os", "same"], ["win2022-ovf", "replace"], ["win2022-layer", "replace"]]);
    const layers = peers.elm.layers();
    expect(layers).toHaveLength(1);
    expect(layers[0].id).not.toBe(oldId);
    expect(fs.readdirSync(path.join(peers.smbd.dir, "exports")).filter((n) => !n.startsWith(".")).sort()).toEqual(["win2022-b"]);
  });

  it("keeps every password out of the state file", () => {
    const text = fs.readFileSync(path.join(dir, "state.json"), "utf8");
    for (const pw of [peers.vcsim.password, peers.elm.password, peers.smbd.password]) expect(text).not.toContain(pw);
    expect(hostLog.join("\n")).not.toContain(peers.smbd.password);
  });

  it("destroy removes the layer, the export and the VM", async () => {
    const plan = await engine.destroy();
    expect(summarize(plan)).toEqual({ delete: 3 });
    expect(peers.elm.layers()).toEqual([]);
    expect(fs.readdirSync(path.join(peers.smbd.dir, "exports")).filter((n) => !n.startsWith("."))).toEqual([]);
    expect(engine.state().resources).toEqual([]);
  });
});
