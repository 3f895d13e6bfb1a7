/**
 * `npm run demo`: the example stack (examples/os-layer) through the SDK's dynamic-provider host,
 * driven as `pulumi up` drives it, against vcsim, smbd and the ELM simulator started here. Each
 * step prints what the preview predicted, what the update did, and the layer's versions.
 * Exits non-zero if any preview did not predict its update.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assertPreviewMatchesUp, DynamicProviderHost, Engine, Plan, Program } from "../harness";
import { Peers, startPeers } from "../../sim/peers";
import { demoPrepare, osLayerStack, startStackHost, StackKnobs } from "./osLayerStack";

const out = (s = "") => process.stdout.write(s + "\n");

function ops(plan: Plan): string {
  const shown = plan.steps.map((s) => `${s.name}: ${s.op}${s.diffKeys.length && s.op !== "create" && s.op !== "delete" ? ` (${s.diffKeys.join(", ")})` : ""}`);
  return shown.length ? shown.join("; ") : "nothing";
}

function versions(peers: Peers): string {
  const layers = peers.elm.layers();
  if (layers.length === 0) return "no OS layer in the ELM";
  return layers
    .map((l) => {
      const revs = peers.elm.revisions().filter((r) => r.layerId === l.id);
      return `layer "${l.name}" (${l.description || "no description"}): ${revs.map((r) => `${r.versionName} ${r.state}`).join(", ")}`;
    })
    .join("\n   ");
}

async function main(): Promise<number> {
  out("Starting the peers: vcsim (vSphere), smbd (the ELM's file share), the ELM simulator ...");
  const peers = await startPeers({ elmClockSpeed: 100 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "applayering-demo-"));
  let host: DynamicProviderHost | undefined;
  let mismatches = 0;
  try {
    out(`  vSphere ${peers.vcsim.url}\n  ELM     ${peers.elm.url}\n  share   ${peers.smbd.unc}\n`);
    host = await startStackHost(peers, { stack: "demo", pollIntervalMs: 100, onLine: (l) => out(`   | ${l.text}`) });
    const engine = new Engine({ host, stateFile: path.join(dir, "state.json"), passphrase: "demo" });
    // The OS machine is prepared inside Windows (Windows Update off, the OS Machine Tools, unattend.xml, a
    // script, the snapshot, Setup_x64.exe, shut down), each step's progress shown in the host's lines.
    const prepare = demoPrepare(dir);
    const stack = (k: StackKnobs): Program => osLayerStack(peers.settings, { prepare, ...k });
    const prepared = () => {
      const steps = (engine.resource("win2022-os")?.outputs.prepareSteps ?? []) as Array<{ id: string; state: string; exitCode?: number; logTail: string[] }>;
      for (const s of steps) out(`   prepare ${s.id.padEnd(16)} ${s.state} (exit ${s.exitCode ?? "?"})${s.logTail.length ? `: ${s.logTail[s.logTail.length - 1]}` : ""}`);
      out(`   OS Machine Tools installed: ${String(engine.resource("win2022-os")?.outputs.osMachineToolsInstalled)}\n`);
    };

    const step = async (n: number, title: string, program: Program, during?: () => () => void): Promise<void> => {
      out(`${n}. ${title}`);
      const preview = await engine.preview(program);
      out(`   preview predicts: ${ops(preview)}`);
      const stop = during?.();
      let up: Plan;
      try {
        up = await engine.up(program);
      } finally {
        stop?.();
      }
      out(`   up applied:       ${ops(up)}`);
      try {
        assertPreviewMatchesUp(preview, up);
        out("   preview matched the update");
      } catch (err) {
        mismatches++;
        out(`   PREVIEW DID NOT MATCH: ${(err as Error).message}`);
      }
      out(`   ${versions(peers)}\n`);
    };

    // The unattended version: the provider runs the scripts, the update rounds, the integrity gate
    // and Shutdown For Finalize in the packaging machine itself (OsLayer.packaging); nobody at the console.
    const packaging = {
      scripts: ["Write-Output 'November baseline'\nSet-ItemProperty -Path HKLM:\\SOFTWARE\\Contoso\\Baseline -Name Month -Value 2026.11"],
      windowsUpdate: { maxRounds: 3 },
      finalize: "auto",
    };
    const updates = () => {
      const layer = engine.state().resources.find((r) => r.type.endsWith(":OsLayer"));
      out(`   installed updates: ${((layer?.outputs as { installedUpdates?: string[] })?.installedUpdates ?? []).join(", ") || "none"}`);
    };

    await step(1, "pulumi up: create the OS machine, prepare Windows in it, export it to the share, import the OS layer", stack({ version: "1.0" }));
    prepared();
    await step(2, "pulumi up again, nothing changed", stack({ version: "1.0" }));
    await step(3, "version 1.1, unattended: scripts, Windows Update rounds, gate, Shutdown For Finalize", stack({ version: "1.1", versionDescription: "November updates", packaging }));
    updates();
    await step(4, "a new layer description: updated in place", stack({ version: "1.1", versionDescription: "November updates", description: "Golden image, Windows Server 2022", packaging }));

    out("5. pulumi destroy");
    const preview = await engine.destroy({ preview: true });
    out(`   preview predicts: ${ops(preview)}`);
    const destroyed = await engine.destroy();
    out(`   destroy applied:  ${ops(destroyed)}`);
    out(`   ${versions(peers)}\n`);
    const state = fs.readFileSync(path.join(dir, "state.json"), "utf8");
    const leaked = [peers.vcsim.password, peers.elm.password, peers.smbd.password, peers.vcsim.guestPassword].some((p) => state.includes(p));
    out(leaked ? "A PASSWORD IS IN THE STATE FILE" : "No password in the state file.");
    return mismatches === 0 && !leaked ? 0 : 1;
  } finally {
    await host?.close();
    await peers.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
