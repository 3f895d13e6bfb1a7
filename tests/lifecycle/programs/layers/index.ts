/**
 * N OS layers, each with its own machine and export (the example's chain, N times): what the
 * scale test and `npm run bench -- stack` bring up in parallel. `pulumi config set count 10`.
 */
import * as pulumi from "@pulumi/pulumi";
import { OsLayer, OsMachine, OvfExport } from "pulumi-applayering";

const config = new pulumi.Config();
const count = config.getNumber("count") ?? 10;

export const layers: { [name: string]: pulumi.Output<string> } = {};
for (let i = 0; i < count; i++) {
  const machine = new OsMachine(`os-${i}`, {
    datacenter: config.get("datacenter") ?? "DC0",
    datastore: config.get("datastore") ?? "LocalDS_0",
    network: config.get("network") ?? "VM Network",
    guestId: "windows2019srvNext_64Guest",
    cpus: 2,
    memoryMb: 8192,
    diskGb: 60,
    snapshotName: "before-os-machine-tools",
    powerState: "poweredOff",
  });
  const ovf = new OvfExport(`ovf-${i}`, { name: `layer-${i}`, machine, shareFolder: config.require("shareFolder") });
  const layer = new OsLayer(`layer-${i}`, {
    name: `Layer ${i}`,
    connector: config.require("connector"),
    ovfPath: ovf.ovfSharePath,
    version: config.get("version") ?? "1.0",
    comment: "pulumi-applayering scale program",
  });
  layers[`layer-${i}`] = layer.layerId;
}
