/**
 * The CLI's own process killed during `pulumi up` of the example (kill -9, the machine lost; not
 * Ctrl-C): the state keeps the step in flight as a pending operation. The next `up` warns about it
 * as the CLI does, and the provider finds its own work: the ELM import under way becomes the layer,
 * no second layer is made.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Plan } from "../../harness";
import { exampleEngine, exampleProgram } from "../../lifecycle/exampleProgram";
import { Peers, startPeers } from "../../../sim/peers";

describe("the engine killed during up, then up again", () => {
  let peers: Peers;
  let dir: string;

  beforeAll(async () => {
    peers = await startPeers();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "killed-"));
  });

  afterAll(async () => {
    await peers?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ops = (p: Plan) => p.steps.map((s) => [s.name, s.op]);

  it("during an ELM import: the create stays pending, the next up warns and adopts the import", async () => {
    let crashed: Promise<void> | undefined;
    const engine = exampleEngine(peers, {
      stateFile: path.join(dir, "state.json"),
      onLine: (l) => {
        if (!crashed && /OsLayer Windows Server 2022: ELM task \d+/.test(l.text)) crashed = engine.crash();
      },
    });
    peers.elm.setClockSpeed(5); // the import takes a while in ELM time
    try {
      await expect(engine.up(exampleProgram())).rejects.toThrow(/the engine was killed/);
      await crashed;
    } finally {
      peers.elm.setClockSpeed(200);
    }
    const left = engine.state();
    expect(left.pendingOperations).toEqual([{ urn: expect.stringMatching(/:OsLayer::win2022-layer$/), type: "creating" }]);
    expect(engine.resource("win2022-layer")).toBeUndefined();
    expect(peers.elm.layers()).toHaveLength(1);

    const up = await engine.up(exampleProgram());
    const warnings = (up.diagnostics ?? []).filter((d) => d.severity === 2).map((d) => d.message);
    expect(warnings.some((w) => /1 pending operations from previous deployment/.test(w) && /::win2022-layer, interrupted while creating/.test(w))).toBe(true);
    expect(ops(up)).toEqual([["win2022-os", "same"], ["win2022-ovf", "same"], ["win2022-layer", "create"]]);
    expect(peers.elm.layers()).toHaveLength(1);
    expect(engine.resource("win2022-layer")!.id).toBe(String(peers.elm.layers()[0].id));
    await engine.destroy();
    expect(peers.elm.layers()).toEqual([]);
  });
});
