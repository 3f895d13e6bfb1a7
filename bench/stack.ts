/**
 * The example program (OsMachine → OvfExport → OsLayer) brought up through the harness (the SDK's
 * runtime, a host per operation) against the three simulators: real state entries for the state
 * and preview benchmarks.
 *
 * `npm run bench -- stack`: the ten-chain program (tests/lifecycle/programs/layers, count 10) in
 * one `up`, against the same program with one chain; goal: wall time at most 1.5 × one chain's
 * (`stack.parallel_ratio`), since the engine steps independent chains concurrently.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Engine, pulumiProgram, ResourceState } from "../tests/harness";
import { exampleEngine, exampleProgram } from "../tests/lifecycle/exampleProgram";
import { Peers, startPeers } from "../sim/peers";
import { alternate, best } from "./measure";
import { BenchResult } from "./results";

export interface UpStack {
  peers: Peers;
  engine: Engine;
  /** A folder for further state files; removed by stop(). */
  dir: string;
  /** The stack's state entries by kind: OsMachine, OvfExport, OsLayer. */
  entries: Record<"OsMachine" | "OvfExport" | "OsLayer", ResourceState>;
  stop(): Promise<void>;
}

export const repoRoot = path.resolve(__dirname, "..", "..");

export async function upStack(): Promise<UpStack> {
  const peers = await startPeers({ elmClockSpeed: 200 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-stack-"));
  try {
    const engine = exampleEngine(peers, { stateFile: path.join(dir, "state.json"), stack: "bench", passphrase: "bench", pollIntervalMs: 100 });
    await engine.up(exampleProgram());
    const byType = (t: string): ResourceState => {
      const r = engine.state().resources.find((x) => x.type.endsWith(`:${t}`));
      if (!r) throw new Error(`no ${t} in the stack's state`);
      return r;
    };
    return {
      peers,
      engine,
      dir,
      entries: { OsMachine: byType("OsMachine"), OvfExport: byType("OvfExport"), OsLayer: byType("OsLayer") },
      async stop() {
        await peers.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await peers.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

const CHAINS = 10;
const ROUNDS = 2;

export async function stackBench(): Promise<BenchResult> {
  const peers = await startPeers({ elmClockSpeed: 200 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-parallel-"));
  const program = pulumiProgram(path.join(repoRoot, "tests", "lifecycle", "programs", "layers"));
  let run = 0;
  let logins = 0;
  const upThenDestroy = (count: number) => async (): Promise<number> => {
    const engine = exampleEngine(peers, {
      stateFile: path.join(dir, `state-${run++}.json`),
      project: "applayering-layers",
      stack: "bench",
      passphrase: "bench",
      pollIntervalMs: 100,
      config: { count: String(count) },
    });
    peers.elm.resetRequestCounts();
    const t0 = process.hrtime.bigint();
    await engine.up(program);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (count === CHAINS) logins = Math.max(logins, peers.elm.requestCounts().Login ?? 0);
    await engine.destroy();
    return seconds;
  };
  try {
    const runs = await alternate(ROUNDS, { one: upThenDestroy(1), ten: upThenDestroy(CHAINS) });
    const one = best(runs.one);
    const ten = best(runs.ten);
    const ratio = ten / one;
    return {
      bench: "stack",
      figures: [
        { name: "stack.one_chain_seconds", value: one, unit: "s" },
        { name: `stack.${CHAINS}_chains_seconds`, value: ten, unit: "s" },
        { name: `stack.${CHAINS}_chains_elm_logins`, value: logins },
      ],
      ratio: { name: "stack.parallel_ratio", value: ratio },
      goal: `${CHAINS} chains (machine, export, layer each) in one up at most 1.5 × one chain's wall time`,
      met: ratio <= 1.5,
      notes: [
        `\`up\` of tests/lifecycle/programs/layers (count 1, count ${CHAINS}) through the SDK's runtime, a host per operation, against vcsim, smbd and the ELM simulator (clock ×200); best of ${ROUNDS} alternated runs, each followed by an untimed destroy.`,
        "Wall time includes the program's start (ts-node, transpile only) and the host's, about the same for both.",
      ],
    };
  } finally {
    await peers.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
