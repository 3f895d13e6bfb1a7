/**
 * state: bytes of the serialized provider (`__provider`) per resource, and of each resource's
 * whole state entry (URN, type, id, inputs and outputs, both carrying `__provider`), from a real
 * `up` of the example stack. Goal: the provider text at most 4 KB (4096 bytes).
 */
import { PROVIDER_KEY, serializeProvider } from "../tests/harness";
import { trampoline } from "../sdk/trampoline";
import { BenchResult, Figure } from "./results";
import { upStack } from "./stack";

const LIMIT = 4096;

export async function stateBench(): Promise<BenchResult> {
  const stack = await upStack();
  try {
    const figures: Figure[] = [];
    let largest = 0;
    for (const [kind, entry] of Object.entries(stack.entries)) {
      const provider = entry.outputs[PROVIDER_KEY];
      const text = typeof provider === "string" ? provider : JSON.stringify(provider);
      const providerBytes = Buffer.byteLength(text);
      largest = Math.max(largest, providerBytes);
      figures.push({ name: `state.${kind}.provider_bytes`, value: providerBytes, unit: "bytes" });
      figures.push({ name: `state.${kind}.resource_bytes`, value: Buffer.byteLength(JSON.stringify(entry)), unit: "bytes" });
    }
    // The same text the SDK serializes for a fresh program, to show it is not the stack's doing.
    const fresh = Buffer.byteLength((await serializeProvider(trampoline("osLayer"))).text);
    figures.push({ name: "state.serializeFunction_osLayer_bytes", value: fresh, unit: "bytes" });
    return {
      bench: "state",
      figures,
      ratio: { name: "state.provider_bytes_max_over_limit", value: largest / LIMIT },
      goal: `serialized provider at most ${LIMIT} bytes per resource (ratio <= 1)`,
      met: largest <= LIMIT,
      notes: [
        "From the harness's state file after one `up` of the example program (examples/os-layer, through the SDK's runtime) against vcsim, smbd and the ELM simulator.",
        "resource_bytes: JSON of the whole state entry (inputs and outputs each hold `__provider`; secrets would be stored encrypted).",
      ],
    };
  } finally {
    await stack.stop();
  }
}
