/**
 * OsMachine.prepare's lifecycle test and the demo: a stand-in for Citrix's OS Machine Tools (the
 * simulated guest models Setup_x64.exe and Unattend.exe by name), and the example's OsMachine
 * alone as a harness program with a given `prepare`, on one host the test can kill.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import linkPackage from "../setup/linkPackage";
import { DynamicProviderHost, HostLine, InputMap, Program, resource } from "../harness";
import { trampoline } from "../../sdk/trampoline";
import type { Peers } from "../../sim/peers";
import { EXAMPLE_PROJECT, repoRoot, stackConfig } from "./exampleProgram";

/** Writes the stand-in tools folder below `dir`; returns its path. */
export function makeOsMachineTools(dir: string): string {
  const tools = path.join(dir, "OSMachineTools");
  fs.mkdirSync(path.join(tools, "Drivers"), { recursive: true });
  for (const f of ["Setup_x64.exe", "Unattend.exe"]) fs.writeFileSync(path.join(tools, f), "MZ");
  fs.writeFileSync(path.join(tools, "ShutdownForFinalize.cmd"), "@echo off\r\n");
  fs.writeFileSync(path.join(tools, "Drivers", "readme.txt"), "drivers\r\n");
  return tools;
}

/** The example's OsMachine (examples/os-layer/index.ts), with this `prepare`. */
export function machineProgram(prepare: InputMap): Program {
  return [
    resource(
      trampoline("osMachine"),
      "win2022-os",
      {
        name: "win2022-os",
        datacenter: "DC0",
        datastore: "LocalDS_0",
        network: "VM Network",
        guestId: "windows2019srvNext_64Guest",
        cpus: 2,
        memoryMb: 8192,
        diskGb: 1,
        snapshotName: "before-os-machine-tools",
        powerState: "poweredOff",
        prepare,
      },
      { module: "applayering", type: "OsMachine" },
    ),
  ];
}

/** One dynamic-provider host for the example project, configured for the peers (`settings` overrides). */
export function startMachineHost(
  peers: Peers,
  opts: { pollIntervalMs?: number; onLine?: (l: HostLine) => void; settings?: Record<string, string> } = {},
): Promise<DynamicProviderHost> {
  linkPackage();
  const poll = String(opts.pollIntervalMs ?? 100);
  return DynamicProviderHost.start({
    cwd: repoRoot,
    project: EXAMPLE_PROJECT,
    stack: "dev",
    config: stackConfig({ ...peers.settings, ...opts.settings }),
    env: { APPLAYERING_POLL_INTERVAL_MS: poll, APPLAYERING_GUEST_POLL_MS: poll },
    onLine: opts.onLine,
  });
}
