/**
 * preview: Check + Diff of 100 unchanged OsLayers through the dynamic-provider host (a harness
 * `preview`, as `pulumi preview` drives it), against the same for a trivial dynamic provider with
 * the same inputs. Goal: ratio (OsLayer time / trivial time) at most 1.5.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { Engine, isNoop, makeUrn, Program, PROVIDER_KEY, resource, ResourceState, StateFile, serializeProvider } from "../tests/harness";
import type { JsonValue, PropertyMap } from "../tests/harness";
import { trampoline } from "../sdk/trampoline";
import { alternate, best, timed } from "./measure";
import { BenchResult } from "./results";
import { upStack } from "./stack";

const COUNT = 100;
const ROUNDS = 5;

/** Does nothing, as fast as a dynamic provider can: the baseline. */
const trivial: pulumi.dynamic.ResourceProvider = {
  check: async (_olds, news) => ({ inputs: news }),
  diff: async () => ({ changes: false }),
  create: async (inputs) => ({ id: "trivial", outs: inputs }),
};

function renamed(map: PropertyMap, name: string): PropertyMap {
  return { ...map, name };
}

export async function previewBench(): Promise<BenchResult> {
  const stack = await upStack();
  try {
    const layer = stack.entries.OsLayer;
    const stored = layer.inputs;
    const plainInputs: PropertyMap = Object.fromEntries(Object.entries(stored).filter(([k]) => k !== PROVIDER_KEY)) as PropertyMap;
    const kind = { module: "applayering", type: "OsLayer" };
    const layersProgram: Program = Array.from({ length: COUNT }, (_, i) =>
      resource(trampoline("osLayer"), `layer-${i}`, renamed(plainInputs, `Layer ${i}`) as { [k: string]: JsonValue }, kind),
    );
    // State of 100 unchanged layers: the stack's real entry, renamed.
    const layersState = path.join(stack.dir, "layers.json");
    const resources: ResourceState[] = layersProgram.map((d, i) => ({
      ...layer,
      urn: makeUrn(stack.host.stack, stack.host.project, d.type, d.name),
      inputs: renamed(layer.inputs, `Layer ${i}`),
      outputs: renamed(layer.outputs, `Layer ${i}`),
      dependencies: [],
    }));
    new StateFile(layersState, "bench").save({ resources });
    const layers = new Engine({ host: stack.host, stateFile: layersState, passphrase: "bench" });

    await serializeProvider(trivial);
    const trivialProgram: Program = Array.from({ length: COUNT }, (_, i) =>
      resource(trivial, `trivial-${i}`, renamed(plainInputs, `Layer ${i}`) as { [k: string]: JsonValue }, { module: "bench", type: "Trivial" }),
    );
    const trivials = new Engine({ host: stack.host, stateFile: path.join(stack.dir, "trivial.json"), passphrase: "bench" });
    await trivials.up(trivialProgram);

    // One warm-up each: the host deserializes each provider text once.
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
        `${COUNT} resources, harness preview (Configure, then Check and Diff per resource over gRPC, one at a time as the harness engine steps); best of ${ROUNDS} alternated runs after one warm-up each.`,
        "OsLayer state: the real entry from an `up` of the example stack, renamed 100 times; the trivial provider gets the same inputs.",
      ],
    };
  } finally {
    await stack.stop();
  }
}
