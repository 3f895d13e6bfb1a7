/**
 * The whole chain: the OS machine in vSphere, its OVF export on the ELM's file share, and the
 * App Layering OS layer built from it. Bump `version` (pulumi config set version 1.1) to add a
 * layer version; the ELM then builds a packaging machine for it. `pulumi config set keepVersions 2`
 * keeps the two newest versions: the preview names the older ones the update deletes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { OsLayer, OsMachine, OvfExport } from "pulumi-applayering";

const config = new pulumi.Config();
// A folder of PowerShell scripts (*.ps1) each new version runs in its packaging machine, in name order.
const packagingScripts = config.get("packagingScripts");
const scripts = packagingScripts
  ? fs.readdirSync(packagingScripts).filter((f) => f.toLowerCase().endsWith(".ps1")).sort().map((f) => fs.readFileSync(path.join(packagingScripts, f), "utf8"))
  : undefined;
// The extracted OS Machine Tools (a folder or their .zip), from Citrix's download page.
const osMachineTools = config.get("osMachineTools");

const machine = new OsMachine("win2022-os", {
  datacenter: config.get("datacenter") ?? "DC0",
  datastore: config.get("datastore") ?? "LocalDS_0",
  network: config.get("network") ?? "VM Network",
  guestId: "windows2019srvNext_64Guest",
  cpus: 2,
  memoryMb: 8192,
  diskGb: 60,
  // The procedure snapshots the VM before the OS Machine Tools run, and exports it shut down.
  snapshotName: "before-os-machine-tools",
  powerState: "poweredOff",
  // Inside Windows, through VMware Tools (guest account: applayering:guestUser / applayering:guestPassword):
  // Windows Update off, the tools in C:\Windows\Setup\scripts, unattend.xml, the snapshot, Setup_x64.exe, shut down.
  prepare: osMachineTools
    ? {
        disableWindowsUpdate: true,
        osMachineTools: { path: osMachineTools },
        // Leave unattend out when publishing to PVS or Azure.
        ...(config.get("unattendAnswers") ? { unattend: { answers: config.require("unattendAnswers") } } : {}),
        scripts: [{ name: "baseline", powershell: "Write-Output 'applying the baseline'" }],
        installTools: true,
      }
    : undefined,
});

const ovf = new OvfExport("win2022-ovf", {
  name: "win2022",
  machine,
  shareFolder: config.require("shareFolder"),
});

const layer = new OsLayer("win2022-layer", {
  name: "Windows Server 2022",
  description: "Base OS layer, built by Pulumi",
  connector: config.require("connector"),
  ovfPath: ovf.ovfSharePath,
  version: config.get("version") ?? "1.0",
  versionDescription: config.get("versionDescription"),
  maxLayerSizeGb: 100,
  comment: "pulumi-applayering example",
  keepVersions: config.getNumber("keepVersions"),
  versionTimeout: config.getNumber("versionTimeout"),
  // Each new version is patched and finalized by `pulumi up` itself: set the next version, run up.
  packaging: {
    scripts,
    windowsUpdate: { maxRounds: config.getNumber("updateRounds") ?? 5 },
    // "manual": a person runs Shutdown For Finalize in the packaging machine (the provider checks the value).
    finalize: (config.get("finalize") ?? "auto") as "auto" | "manual",
    // gateCheckOnly: report the layer-integrity state and stop before Shutdown For Finalize.
    gate: { timeout: config.getNumber("gateTimeout"), checkOnly: config.getBoolean("gateCheckOnly") },
  },
});

export const vm = machine.inventoryPath;
export const osLayerReady = machine.osLayerReady;
export const prepareSteps = machine.prepareSteps;
export const ovfFile = ovf.ovfUncPath;
export const layerId = layer.layerId;
export const versions = layer.versions;
export const packagingMachine = layer.packagingMachine;
export const templatesBehind = layer.templatesBehind;
export const elmVersion = layer.elmVersion;
export const installedUpdates = layer.installedUpdates;
