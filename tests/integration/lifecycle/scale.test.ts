/**
 * Ten OS layers, each with its machine and export (tests/lifecycle/programs/layers), brought up in
 * one `up` against the simulators: the engine steps the ten chains concurrently in one provider
 * host, so the provider's shared ELM, vCenter and SMB sessions run under concurrency. No
 * wall-clock assert here: `npm run bench -- stack` reports the time against one chain's.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assertPreviewMatchesUp, Engine, isNoop, pulumiProgram, summarize } from "../../harness";
import { exampleEngine, repoRoot } from "../../lifecycle/exampleProgram";
import { Peers, startPeers } from "../../../sim/peers";

const COUNT = 10;
const program = pulumiProgram(path.join(repoRoot, "tests", "lifecycle", "programs", "layers"));

describe("ten OS layer chains in one up", () => {
  let peers: Peers;
  let engine: Engine;
  let dir: string;
  const hostLog: string[] = [];

  beforeAll(async () => {
    peers = await startPeers();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "scale-"));
    engine = exampleEngine(peers, {
      stateFile: path.join(dir, "state.json"),
      project: "applayering-layers",
      config: { count: String(COUNT) },
      onLine: (l) => hostLog.push(l.text),
    });
  });

  afterAll(async () => {
    await peers?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("creates every chain, concurrently, with few ELM logins and no session lost mid-call", async () => {
    const preview = await engine.preview(program);
    expect(summarize(preview)).toEqual({ create: 3 * COUNT });
    peers.elm.resetRequestCounts();
    const up = await engine.up(program);
    assertPreviewMatchesUp(preview, up);
    expect(summarize(up)).toEqual({ create: 3 * COUNT });
    expect(peers.elm.layers().map((l) => l.name).sort()).toEqual(Array.from({ length: COUNT }, (_, i) => `Layer ${i}`).sort());
    for (let i = 0; i < COUNT; i++) expect(fs.existsSync(path.join(peers.smbd.dir, `exports/layer-${i}/layer-${i}.ovf`))).toBe(true);
    // Concurrency really happened: a second chain's machine was registered before the first
    // chain's layer (the SDK registers a resource once what it references has resolved).
    const order = up.steps.map((s) => s.name);
    expect(order.indexOf("os-1")).toBeLessThan(order.indexOf("layer-0"));
    // One host, ten layers: not a login per call or per resource. Every call was made on a live
    // session: a session logged out under a running call would fail it (or log in again).
    const counts = peers.elm.requestCounts();
    expect(counts.Login ?? 0).toBeLessThanOrEqual(3);
    expect(counts.Logout ?? 0).toBeLessThanOrEqual(counts.Login ?? 0);
  });

  it("attributes every progress line to the resource whose step printed it", () => {
    const lines = hostLog.filter((l) => l.startsWith("[applayering] "));
    // An export's lines name its own VM and folder; an ELM task is reported by one layer only.
    for (const l of lines.filter((x) => x.includes("OvfExport layer-"))) {
      const i = /OvfExport layer-(\d+):/.exec(l)![1];
      const exporting = /exporting (\S+) to .*\\(\S+)$/.exec(l);
      if (exporting) expect([exporting[1], exporting[2]]).toEqual([`os-${i}`, `layer-${i}`]);
      const published = /published .*\\(\S+)$/.exec(l);
      if (published) expect(published[1]).toBe(`layer-${i}`);
    }
    const taskOwner = new Map<string, string>();
    for (const l of lines) {
      const m = /OsLayer (Layer \d+): ELM task (\d+)/.exec(l);
      if (!m) continue;
      expect(taskOwner.get(m[2]) ?? m[1]).toBe(m[1]);
      taskOwner.set(m[2], m[1]);
    }
    expect(taskOwner.size).toBeGreaterThan(0);
  });

  it("a second up of the ten chains changes nothing; destroy removes them all", async () => {
    const preview = await engine.preview(program);
    expect(isNoop(preview)).toBe(true);
    const destroy = await engine.destroy();
    expect(summarize(destroy)).toEqual({ delete: 3 * COUNT });
    expect(peers.elm.layers()).toEqual([]);
    expect(engine.state().resources).toEqual([]);
  });
});
