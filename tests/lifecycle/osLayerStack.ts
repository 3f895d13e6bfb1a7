/**
 * The example stack (examples/os-layer/index.ts) as the harness runs it: the same resources with
 * the same inputs the SDK classes register, each with the trampoline provider the SDK serializes.
 * Only the packaging lifecycle test still uses this declaration form; the demo and the other
 * lifecycle tests run the real example program (exampleProgram.ts).
 * Keep it in step with the example and with sdk/*.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import linkPackage, { repositoryRoot } from "../setup/linkPackage";
import { DynamicProviderHost, HostLine, InputMap, Program, resource, secret, StackConfig } from "../harness";
import { trampoline } from "../../sdk/trampoline";
import { Peers, PeerSettings, SECRET_SETTINGS } from "../../sim/peers";
import { exportPaths } from "../../provider/ovfExport/paths";

export interface StackKnobs {
  version: string;
  description?: string;
  versionDescription?: string;
  /** Export folder name (a new one is a new source: the layer is replaced). */
  exportName?: string;
  cpus?: number;
  /** OsLayer.packaging (the unattended version). */
  packaging?: InputMap;
  /** Minutes (default 5). */
  versionTimeout?: number;
  /** OsMachine.prepare, as the example passes it (examples/os-layer/index.ts). */
  prepare?: InputMap;
}

const kind = (type: string) => ({ module: "applayering", type });

export function osLayerStack(settings: PeerSettings, knobs: StackKnobs): Program {
  const machine = resource(
    trampoline("osMachine"),
    "win2022-os",
    {
      name: "win2022-os",
      datacenter: "DC0",
      datastore: "LocalDS_0",
      network: "VM Network",
      guestId: "windows2019srvNext_64Guest",
      cpus: knobs.cpus ?? 2,
      memoryMb: 8192,
      diskGb: 1,
      snapshotName: "before-os-machine-tools",
      powerState: "poweredOff",
      ...(knobs.prepare ? { prepare: knobs.prepare } : {}),
    },
    kind("OsMachine"),
  );
  const exportName = knobs.exportName ?? "win2022";
  const ovf = resource(
    trampoline("ovfExport"),
    "win2022-ovf",
    {
      vmMoref: machine.output("moref"),
      vmInventoryPath: machine.output("inventoryPath"),
      vmChangeVersion: machine.output("changeVersion"),
      vmSnapshotId: machine.output("snapshotId"),
      shareFolder: settings.shareFolder,
      name: exportName,
    },
    kind("OvfExport"),
  );
  const layer = resource(
    trampoline("osLayer"),
    "win2022-layer",
    {
      name: "Windows Server 2022",
      description: knobs.description ?? "Base OS layer, built by Pulumi",
      connector: settings.connector,
      // As sdk/ovfExport.ts does: derived from the export's inputs (known in preview), after the export.
      ovfPath: exportPaths(settings.shareFolder, exportName).ovfSharePath,
      version: knobs.version,
      ...(knobs.versionDescription ? { versionDescription: knobs.versionDescription } : {}),
      maxLayerSizeGb: 100,
      comment: "pulumi-applayering example",
      versionTimeout: knobs.versionTimeout ?? 5,
      ...(knobs.packaging ? { packaging: knobs.packaging } : {}),
    },
    { ...kind("OsLayer"), dependsOn: ["win2022-ovf"] },
  );
  return [machine, ovf, layer];
}

/**
 * A stand-in for Citrix's OS Machine Tools (the simulated guest models Setup_x64.exe and
 * Unattend.exe by name), and the preparation the example asks for with it.
 */
export function demoPrepare(dir: string): InputMap {
  const tools = path.join(dir, "OSMachineTools");
  fs.mkdirSync(tools, { recursive: true });
  for (const f of ["Setup_x64.exe", "Unattend.exe"]) fs.writeFileSync(path.join(tools, f), "MZ");
  fs.writeFileSync(path.join(tools, "ShutdownForFinalize.cmd"), "@echo off\r\n");
  return {
    disableWindowsUpdate: true,
    osMachineTools: { path: tools },
    unattend: { answers: "/TimeZone:UTC" },
    scripts: [{ name: "baseline", powershell: "Write-Output 'applying the baseline'\nSet-ItemProperty -Path HKLM:\\SOFTWARE\\Example -Name Baseline -Value 1 -Type DWord\nWrite-Output 'baseline applied'" }],
    installTools: true,
  };
}

/** The stack configuration, passwords marked secret as `pulumi config set --secret` does. */
export function stackConfig(settings: PeerSettings): StackConfig {
  const config: StackConfig = {};
  for (const [k, v] of Object.entries(settings)) {
    config[k] = (SECRET_SETTINGS as readonly string[]).includes(k) ? secret(v) : v;
  }
  return config;
}

/** The repository: its node_modules resolves `pulumi-applayering` (a link to itself) for the host. */
export const repoRoot = repositoryRoot();

/** The dynamic-provider host for the example project, configured for the peers. */
export function startStackHost(
  peers: Peers,
  opts: { project?: string; stack?: string; pollIntervalMs?: number; onLine?: (l: HostLine) => void; engineAddress?: string } = {},
): Promise<DynamicProviderHost> {
  linkPackage();
  return DynamicProviderHost.start({
    cwd: repoRoot,
    project: opts.project ?? "applayering-os-layer",
    stack: opts.stack ?? "dev",
    config: stackConfig(peers.settings),
    env: { APPLAYERING_POLL_INTERVAL_MS: String(opts.pollIntervalMs ?? 25), APPLAYERING_GUEST_POLL_MS: String(Math.max(100, opts.pollIntervalMs ?? 25)) },
    onLine: opts.onLine,
    engineAddress: opts.engineAddress,
  });
}
