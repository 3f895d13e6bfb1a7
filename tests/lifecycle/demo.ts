/**
 * `npm run demo`: the example program (examples/os-layer/index.ts, as users copy it) run through
 * the SDK's runtime as `pulumi up` runs it, a dynamic-provider host per operation, against vcsim,
 * smbd and the ELM simulator started here. Whatever resources the program declares are planned,
 * created, previewed and destroyed. Each step prints what the preview predicted, what the update
 * did, and the layer's versions. Exits non-zero if any preview did not predict its update, or if
 * keepVersions deleted other versions than its preview named.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assertPreviewMatchesUp, Plan, PulumiProgram } from "../harness";
import { Peers, startPeers } from "../../sim/peers";
import { exampleEngine, exampleProgram, ProgramCopies } from "./exampleProgram";
import { makeOsMachineTools } from "./prepareMachine";

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
  const copies = new ProgramCopies();
  let mismatches = 0;
  try {
    out(`  vSphere ${peers.vcsim.url}\n  ELM     ${peers.elm.url}\n  share   ${peers.smbd.unc}\n`);
    const engine = exampleEngine(peers, {
      stateFile: path.join(dir, "state.json"),
      stack: "demo",
      passphrase: "demo",
      pollIntervalMs: 100,
      onLine: (l) => out(`   | ${l.text}`),
      // The example prepares Windows inside the VM when given the OS Machine Tools (here a stand-in):
      // Windows Update off, the tools, unattend.xml, a script, the snapshot, Setup_x64.exe, shut down.
      config: { osMachineTools: makeOsMachineTools(dir), unattendAnswers: "/TimeZone:UTC" },
    });
    const prepared = () => {
      const vm = engine.resource("win2022-os")?.outputs;
      const steps = (vm?.prepareSteps ?? []) as Array<{ id: string; state: string; exitCode?: number; logTail: string[] }>;
      for (const s of steps) out(`   prepare ${s.id.padEnd(16)} ${s.state} (exit ${s.exitCode ?? "?"})${s.logTail.length ? `: ${s.logTail[s.logTail.length - 1]}` : ""}`);
      out(`   OS Machine Tools installed: ${String(vm?.osMachineToolsInstalled)}\n`);
    };

    // What the provider printed about versions and templates: the plan the preview shows.
    const planLines = (p: Plan) => p.log.map((l) => l.text).filter((t) => /the update (deletes|points)|beyond keepVersions/.test(t)).map((t) => t.replace(/^\[applayering\] /, ""));
    const step = async (n: number, title: string, program: PulumiProgram, during?: () => () => void): Promise<Plan> => {
      out(`${n}. ${title}`);
      const preview = await engine.preview(program);
      out(`   preview predicts: ${ops(preview)}`);
      for (const l of planLines(preview)) out(`   preview says:     ${l}`);
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
      return preview;
    };

    // The example's OsLayer.packaging makes the version unattended: the provider runs the update
    // rounds, the integrity gate and Shutdown For Finalize in the packaging machine; nobody at the console.
    const updates = () => {
      const layer = engine.state().resources.find((r) => r.type.endsWith(":OsLayer"));
      out(`   installed updates: ${((layer?.outputs as { installedUpdates?: string[] })?.installedUpdates ?? []).join(", ") || "none"}`);
    };

    out(`The program: ${exampleProgram().dir}/index.ts\n`);
    await step(1, "pulumi up: create the OS machine, prepare Windows in it, export it to the share, import the OS layer", exampleProgram());
    prepared();
    await step(2, "pulumi up again, nothing changed", exampleProgram());
    engine.setConfig("version", "1.1");
    engine.setConfig("versionDescription", "November updates");
    await step(3, "pulumi config set version 1.1, unattended: Windows Update rounds, the integrity gate, Shutdown For Finalize", exampleProgram());
    updates();
    const edited = copies.edit([['description: "Base OS layer, built by Pulumi"', 'description: "Golden image, Windows Server 2022"']]);
    await step(4, `index.ts edited (a new layer description, in ${edited.dir}): updated in place`, edited);
    engine.setConfig("version", "1.2");
    engine.setConfig("versionDescription", "December updates");
    await step(5, "pulumi config set version 1.2: a third layer version, unattended too", edited);
    updates();
    engine.setConfig("keepVersions", "2");
    const retire = await step(6, "pulumi config set keepVersions 2: the preview names the version the update deletes", edited);
    const left = peers.elm.revisions().map((r) => r.versionName);
    if (!planLines(retire).some((l) => /deletes version\(s\) 1\.0 /.test(l)) || left.includes("1.0") || !left.includes("1.1") || !left.includes("1.2")) {
      mismatches++;
      out(`   KEEPVERSIONS DID NOT DO WHAT THE PREVIEW SAID: versions now ${left.join(", ")}`);
    }

    out("7. pulumi destroy");
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
    copies.remove();
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
