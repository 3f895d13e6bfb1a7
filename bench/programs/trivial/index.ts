/** `count` resources of a dynamic provider that does nothing, with the same inputs as the layers: the preview benchmark's baseline. */
import * as pulumi from "@pulumi/pulumi";

const trivial: pulumi.dynamic.ResourceProvider = {
  check: async (_olds, news) => ({ inputs: news }),
  diff: async () => ({ changes: false }),
  create: async (inputs) => ({ id: "trivial", outs: inputs }),
};

class Trivial extends pulumi.dynamic.Resource {
  constructor(name: string, props: Record<string, unknown>) {
    super(trivial, name, props, {}, "bench", "Trivial");
  }
}

const config = new pulumi.Config();
const inputs = JSON.parse(config.require("layerInputs")) as Record<string, unknown>;
for (let i = 0; i < (config.getNumber("count") ?? 100); i++) {
  new Trivial(`trivial-${i}`, { ...inputs, name: `Layer ${i}` });
}
