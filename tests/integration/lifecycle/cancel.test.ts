/**
 * Ctrl-C during `pulumi up` of the example program, as the CLI handles it: the engine sends the
 * provider Cancel, then stops its host (the dynamic host's Cancel does nothing, so the step in
 * flight dies with the host) and the program. The next `up` must take over from what is left:
 * a half-written export on the share, an ELM import under way.
 * A cancel during a new version's packaging (the update rounds) is in packaging.test.ts, on that stack.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Engine, OperationError, Plan } from "../../harness";
import { exampleEngine, exampleProgram } from "../../lifecycle/exampleProgram";
import { Peers, startPeers } from "../../../sim/peers";

describe("Ctrl-C during up, then up again", () => {
  let peers: Peers;
  let dir: string;
  const lines: string[] = [];
  let onLine: (text: string) => void = () => undefined;
  let hostPids: number[] = [];

  beforeAll(async () => {
    peers = await startPeers();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "cancel-"));
  });

  afterAll(async () => {
    await peers?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function engineFor(stateName: string): Engine {
    const engine = exampleEngine(peers, {
      stateFile: path.join(dir, stateName),
      onLine: (l) => {
        lines.push(l.text);
        onLine(l.text);
      },
      onHost: (h) => hostPids.push(h.pid!),
    });
    hostPids = [];
    return engine;
  }

  /** Runs `up`, cancelling it (once) when a host line matches `when`. */
  async function upCancelledAt(engine: Engine, when: RegExp, before?: (line: string) => void): Promise<OperationError> {
    let cancelled: Promise<void> | undefined;
    onLine = (text) => {
      before?.(text);
      if (!cancelled && when.test(text)) cancelled = engine.cancel();
    };
    const err = await engine.up(exampleProgram()).then(
      () => undefined,
      (e: unknown) => e,
    );
    await cancelled;
    onLine = () => undefined;
    expect(cancelled).toBeDefined();
    expect(err).toBeInstanceOf(OperationError);
    expect((err as OperationError).message).toMatch(/up failed: cancelled/);
    // The host of the cancelled operation is gone.
    for (const pid of hostPids) expect(() => process.kill(pid, 0)).toThrow();
    return err as OperationError;
  }

  const ops = (p: Plan) => p.steps.map((s) => [s.name, s.op]);
  const exportsDir = () => path.join(peers.smbd.dir, "exports");

  it("during an export: the next up exports again over the unfinished one, and publishes once", async () => {
    const engine = engineFor("export.json");
    // A disk big enough for the export to be under way when the cancel comes (a sparse file).
    const growDisk = (text: string): void => {
      if (!/OvfExport win2022: exporting /.test(text)) return;
      const vmDir = peers.vcsim.localPath("[LocalDS_0] win2022-os");
      for (const f of fs.readdirSync(vmDir).filter((n) => n.endsWith(".vmdk"))) fs.truncateSync(path.join(vmDir, f), 512 * 1024 * 1024);
    };
    await upCancelledAt(engine, /OvfExport win2022: exported \d+ of/, growDisk);
    expect(engine.resource("win2022-os")).toBeDefined();
    expect(engine.resource("win2022-ovf")).toBeUndefined();
    expect(engine.resource("win2022-layer")).toBeUndefined();
    expect(fs.existsSync(path.join(exportsDir(), "win2022", "win2022.ovf"))).toBe(false);
    expect(peers.elm.layers()).toEqual([]);

    const mark = lines.length;
    const up = await engine.up(exampleProgram());
    expect(ops(up)).toEqual([["win2022-os", "same"], ["win2022-ovf", "create"], ["win2022-layer", "create"]]);
    // The cancelled export had started writing: the new one removed what it left.
    expect(lines.slice(mark).some((l) => /OvfExport win2022: removed 1 unfinished export/.test(l))).toBe(true);
    expect(fs.existsSync(path.join(exportsDir(), "win2022", "win2022.ovf"))).toBe(true);
    // Nothing unfinished left beside the export; one layer.
    expect(fs.readdirSync(exportsDir()).sort()).toEqual(["win2022"]);
    expect(peers.elm.layers()).toHaveLength(1);
    await engine.destroy();
    expect(peers.elm.layers()).toEqual([]);
  });

  it("during an ELM import: the next up finds the layer being imported and finishes it, no second layer", async () => {
    const engine = engineFor("import.json");
    peers.elm.setClockSpeed(5); // the import takes a while in ELM time
    try {
      await upCancelledAt(engine, /OsLayer Windows Server 2022: ELM task \d+/);
    } finally {
      peers.elm.setClockSpeed(200);
    }
    expect(engine.resource("win2022-ovf")).toBeDefined();
    expect(engine.resource("win2022-layer")).toBeUndefined();
    expect(peers.elm.layers()).toHaveLength(1); // the import the cancelled host started

    const up = await engine.up(exampleProgram());
    expect(ops(up)).toEqual([["win2022-os", "same"], ["win2022-ovf", "same"], ["win2022-layer", "create"]]);
    const layers = peers.elm.layers();
    expect(layers).toHaveLength(1);
    expect(engine.resource("win2022-layer")!.id).toBe(String(layers[0].id));
    expect(engine.resource("win2022-layer")!.outputs.revisionState).toBe("Deployable");
    await engine.destroy();
    expect(peers.elm.layers()).toEqual([]);
  });
});
