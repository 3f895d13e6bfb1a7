/**
 * preview: `pulumi preview` of a real program of 100 unchanged OsLayers (bench/programs/layers,
 * through the SDK's runtime and a host of its own, as the CLI runs it), against the same for a
 * program of 100 resources of a trivial dynamic provider with the same inputs
 * (bench/programs/trivial). Goal: ratio (OsLayer time / trivial time) at most 1.5.
 */
import * as path from "node:path";
import { isNoop, makeUrn, PROVIDER_KEY, pulumiProgram, ResourceState, StateFile } from "../tests/harness";
import type { PropertyMap } from "../tests/harness";
import { exampleEngine } from "../tests/lifecycle/exampleProgram";
import { alternate, best, timed } from "./measure";
import { BenchResult } from "./results";
import { repoRoot, upStack } from "./stack";

const COUNT = 100;
const ROUNDS = 5;
const PROJECT = "applayering-bench";

function renamed(map: PropertyMap, name: string): PropertyMap {
  return { ...map, name };
}

export async function previewBench(): Promise<BenchResult> {
  const stack = await upStack();
  try {
    const layer = stack.entries.OsLayer;
    const plainInputs: PropertyMap = Object.fromEntries(Object.entries(layer.inputs).filter(([k]) => k !== PROVIDER_KEY && k !== "name")) as PropertyMap;
    const config = { count: String(COUNT), layerInputs: JSON.stringify(plainInputs) };
    const engineFor = (stateName: string) =>
      exampleEngine(stack.peers, { stateFile: path.join(stack.dir, stateName), project: PROJECT, stack: "bench", passphrase: "bench", config, pollIntervalMs: 100 });
    const layersProgram = pulumiProgram(path.join(repoRoot, "bench", "programs", "layers"));
    const trivialProgram = pulumiProgram(path.join(repoRoot, "bench", "programs", "trivial"));

    // State of 100 unchanged layers: the stack's real entry, renamed.
    const resources: ResourceState[] = Array.from({ length: COUNT }, (_, i) => ({
      ...layer,
      urn: makeUrn("bench", PROJECT, layer.type, `layer-${i}`),
      inputs: renamed(layer.inputs, `Layer ${i}`),
      outputs: renamed(layer.outputs, `Layer ${i}`),
      dependencies: [],
    }));
    new StateFile(path.join(stack.dir, "layers.json"), "bench").save({ resources });
    const layers = engineFor("layers.json");
    const trivials = engineFor("trivial.json");
    await trivials.up(trivialProgram);

    // One untimed preview each, which also proves nothing would change.
    for (const [e, p] of [[layers, layersProgram], [trivials, trivialProgram]] as const) {
      const plan = await e.preview(p);
      if (!isNoop(plan) || plan.steps.length !== COUNT) throw new Error(`preview of unchanged resources planned changes: ${plan.steps.filter((s) => s.op !== "same").map((s) => `${s.name} ${s.op}`).slice(0, 3).join(", ")}`);
    }
    const runs = await alternate(ROUNDS, {
      oslayer: async () => (await timed(() => layers.preview(layersProgram))).seconds,
      trivial: async () => (await timed(() => trivials.preview(trivialProgram))).seconds,
    });
    const ours = best(runs.oslayer);
    const base = best(runs.trivial);
    const ratio = ours / base;
    return {
      bench: "preview",
      figures: [
        { name: "preview.oslayer_seconds", value: ours, unit: "s" },
        { name: "preview.oslayer_ms_per_resource", value: (ours * 1000) / COUNT, unit: "ms" },
        { name: "preview.trivial_seconds", value: base, unit: "s" },
        { name: "preview.trivial_ms_per_resource", value: (base * 1000) / COUNT, unit: "ms" },
      ],
      ratio: { name: "preview.ratio", value: ratio },
      goal: "OsLayer preview time / trivial provider's at most 1.5",
      met: ratio <= 1.5,
      notes: [
        `${COUNT} resources, a real program each (bench/programs/layers, bench/programs/trivial) through the SDK's runtime (ts-node, transpile only), a new host per preview, Check and Diff per resource, concurrently as the engine steps them; best of ${ROUNDS} alternated runs after one untimed preview each.`,
        "OsLayer state: the real entry from an `up` of the example program, renamed 100 times; the trivial provider gets the same inputs. Both times include the program's and the host's start.",
      ],
    };
  } finally {
    await stack.stop();
  }
}
