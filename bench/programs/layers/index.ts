/** `count` OsLayers with the inputs in config `layerInputs` (JSON), named `Layer <i>`: the preview benchmark's program. */
import * as pulumi from "@pulumi/pulumi";
import { OsLayer, OsLayerArgs } from "pulumi-applayering";

const config = new pulumi.Config();
const inputs = JSON.parse(config.require("layerInputs")) as OsLayerArgs;
for (let i = 0; i < (config.getNumber("count") ?? 100); i++) new OsLayer(`layer-${i}`, { ...inputs, name: `Layer ${i}` });
