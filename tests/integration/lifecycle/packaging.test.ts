/**
 * Unattended versions (OsLayer.packaging) through the dynamic-provider host, against vcsim (the
 * packaging machine's simulated Windows guest), smbd and the ELM simulator: scripts, two Windows
 * Update rounds, the layer-integrity gate and Shutdown For Finalize with nobody at the console;
 * each blocker named; check-only; a rerun after a failure or a passed deadline resumes the same
 * version without running a finished script again (the scripts count their runs in the guest).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamicProviderHost, Engine, OperationError, Program } from "../../harness";
import { osLayerStack, startStackHost, StackKnobs } from "../../lifecycle/osLayerStack";
import { DEFAULT_UPDATES, Peers, startPeers } from "../../../sim/peers";
import { clearBlocker, setBlocker, setUpdates, BlockerKind } from "../../../sim/vcsim/packagingControl";
import { ElmClient } from "../../../provider/elm";
import { VimClient } from "../../../provider/vsphere/session";
import { listObjects } from "../../../provider/vsphere/properties";
import { GuestClient, readGuestTextIfAny } from "../../../provider/vsphere/guest";

const COUNT = "C:\\Windows\\Temp\\runs.txt";
/** Each script appends its name to the count file: a second run shows as a second line. */
const script = (name: string, extra = "") => `Add-Content -Path ${COUNT} -Value ${name}\n${extra}`;
const SCRIPTS = [script("first"), script("second")];

describe("unattended OsLayer versions (packaging)", () => {
  let peers: Peers;
  let host: DynamicProviderHost;
  let engine: Engine;
  let dir: string;
  let vim: VimClient;

  beforeAll(async () => {
    peers = await startPeers();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "packaging-"));
    host = await startStackHost(peers);
    engine = new Engine({ host, stateFile: path.join(dir, "state.json"), passphrase: "packaging" });
    const vc = peers.vcsim;
    vim = await VimClient.connect({ url: vc.url, user: vc.user, password: vc.password, tls: { ca: fs.readFileSync(vc.caCertPath) } });
  });

  afterAll(async () => {
    await vim?.logout().catch(() => undefined);
    vim?.close();
    await host?.close();
    await peers?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const stack = (knobs: StackKnobs): Program => osLayerStack(peers.settings, knobs);
  const layerOutputs = () => engine.state().resources.find((r) => r.type.endsWith(":OsLayer"))!.outputs as Record<string, unknown>;
  const failure = async (p: Promise<unknown>) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    if (process.env.PACKAGING_DEBUG) console.log((err as OperationError).plan.log.map((l) => l.text).join("\n"), peers.packagingErrors);
    return (err as Error).message;
  };
  /** The packaging machine's count file (who ran how often), read over guest operations. */
  async function runs(machine: string): Promise<string[]> {
    const vm = (await listObjects(vim, "VirtualMachine", ["name"])).find((o) => o.props.name === machine)!.obj;
    const g = new GuestClient(vim, vm, { user: peers.vcsim.guestUser, password: peers.vcsim.guestPassword }, { vmName: machine, unavailableTimeoutMs: 30_000 });
    return ((await readGuestTextIfAny(g, COUNT)) ?? "").split(/\r?\n/).filter(Boolean);
  }
  const elm = () => new ElmClient({ address: peers.elm.url, user: peers.elm.user, password: peers.elm.password, tls: { ca: peers.elm.caCertPem } });

  it("imports version 1.0 (no packaging machine yet)", async () => {
    await engine.up(stack({ version: "1.0" }));
    expect(layerOutputs()).toMatchObject({ version: "1.0", revisionState: "Deployable" });
  });

  it("version 1.1 comes up unattended: scripts, two update rounds, gate, Shutdown For Finalize; KBs in outputs and audit", async () => {
    const seen: string[] = [];
    peers.preparePackagingMachine = async (vm) => {
      seen.push(vm);
      await setUpdates(peers.vcsim, vm, DEFAULT_UPDATES);
    };
    const up = await engine.up(stack({ version: "1.1", packaging: { scripts: SCRIPTS, windowsUpdate: { maxRounds: 4 }, finalize: "auto" } }));
    expect(layerOutputs()).toMatchObject({ version: "1.1", revisionState: "Deployable", pendingVersion: "", packagingStage: "" });
    expect(layerOutputs().installedUpdates).toEqual(["KB5032339", "KB5033118", "KB5034439"]);
    const text = up.log.map((l) => l.text).join("\n");
    expect(text).toMatch(/running script 1 of 2/);
    expect(text).toMatch(/Windows Update round 2/);
    expect(text).toMatch(/finalize is allowed/);
    expect(text).toMatch(/running Shutdown For Finalize/);
    expect(text).not.toMatch(/install the updates in it/);
    expect(seen).toHaveLength(1);
    const layerId = Number(layerOutputs().layerId);
    const c = elm();
    const audit = await c.auditLog("OsLayer", layerId);
    expect(audit.map((a) => a.comment).join("\n")).toMatch(/updates KB5032339 KB5033118 KB5034439/);
    // The ELM removed its packaging machine once finalized; nobody shut it down by hand.
    expect(peers.elm.packagingMachines()).toEqual([]);
    expect(peers.packagingErrors).toEqual([]);
  });

  it("a gate that stays blocked names every blocker; after the fix the rerun resumes the same version, no script repeated", async () => {
    let machine = "";
    const kinds: [BlockerKind, { sticky?: boolean; seconds?: number }][] = [
      ["runonce", { sticky: true }],
      ["rebootpending", { sticky: true }],
      ["bootdriver", { sticky: true }],
      ["msiexec", { seconds: -1 }],
      ["ngen-running", { seconds: -1 }],
      ["smscfg", {}],
    ];
    peers.preparePackagingMachine = async (vm) => {
      machine = vm;
      await setUpdates(peers.vcsim, vm, []);
      for (const [k, o] of kinds) await setBlocker(peers.vcsim, vm, k, o);
    };
    const knobs: StackKnobs = { version: "1.2", packaging: { scripts: SCRIPTS, gate: { timeout: 0.05 } } };
    const message = await failure(engine.up(stack(knobs)));
    expect(message).toContain(`packaging machine ${machine}, stage gate`);
    for (const kind of ["runOnce", "rebootPending", "bootDriverReboot", "msiRunning", "ngenRunning", "smsCfg"]) expect(message).toContain(kind);
    expect(message).toMatch(/SMSCFG\.INI/);
    expect(message).toMatch(/finish by hand/);
    expect(layerOutputs()).toMatchObject({ version: "1.1", pendingVersion: "1.2", packagingMachine: machine, packagingStage: "gate" });
    expect(await runs(machine)).toEqual(["first", "second"]);

    for (const [k] of kinds) await clearBlocker(peers.vcsim, machine, k);
    const revisionsBefore = peers.elm.revisions().length;
    await engine.up(stack(knobs));
    expect(layerOutputs()).toMatchObject({ version: "1.2", revisionState: "Deployable", pendingVersion: "" });
    expect(peers.elm.revisions()).toHaveLength(revisionsBefore); // the same version, not a second one
  });

  it("transient blockers clear: an installer that ends, queued NGen work, a reboot pending", async () => {
    peers.preparePackagingMachine = async (vm) => {
      await setUpdates(peers.vcsim, vm, []);
      await setBlocker(peers.vcsim, vm, "tiworker", { seconds: 2 });
      await setBlocker(peers.vcsim, vm, "ngen", { count: 4 });
      await setBlocker(peers.vcsim, vm, "pendingrename");
    };
    const up = await engine.up(stack({ version: "1.3", packaging: { gate: { timeout: 2 } } }));
    expect(layerOutputs()).toMatchObject({ version: "1.3", revisionState: "Deployable" });
    const text = up.log.map((l) => l.text).join("\n");
    expect(text).toMatch(/ngen executeQueuedItems/);
    expect(text).toMatch(/rebooting .* to clear rebootPending/);
  });

  it("check-only reports the gate and finalizes nothing; turning it off finalizes the same version", async () => {
    peers.preparePackagingMachine = (vm) => setUpdates(peers.vcsim, vm, []);
    const message = await failure(engine.up(stack({ version: "1.4", packaging: { gate: { checkOnly: true } } })));
    expect(message).toMatch(/check only .* the layer-integrity gate passed, nothing was finalized/);
    expect(peers.elm.packagingMachines()).toHaveLength(1);
    expect(layerOutputs()).toMatchObject({ version: "1.3", pendingVersion: "1.4" });
    await engine.up(stack({ version: "1.4", packaging: {} }));
    expect(layerOutputs()).toMatchObject({ version: "1.4", revisionState: "Deployable" });
  });

  it("a deadline passing mid-script leaves it running; the rerun waits for it and never runs a finished script again", async () => {
    let machine = "";
    peers.preparePackagingMachine = async (vm) => {
      machine = vm;
      await setUpdates(peers.vcsim, vm, [{ kb: "KB5035001", round: 1, reboot: true }]);
    };
    const scripts = [script("first"), script("slow", "Start-Sleep -Seconds 6")];
    // versionTimeout (0.1 min) ends while the slow script runs.
    const message = await failure(engine.up(stack({ version: "1.5", versionTimeout: 0.1, packaging: { scripts, windowsUpdate: true } })));
    expect(message).toMatch(/stage scripts 2\/2/);
    expect(message).toMatch(/resumes this same version/);
    // The rerun stops at the gate (check-only) so the count file can be read before the machine goes.
    const checked = await failure(engine.up(stack({ version: "1.5", packaging: { scripts, windowsUpdate: true, gate: { checkOnly: true } } })));
    expect(checked).toMatch(/check only/);
    expect(await runs(machine)).toEqual(["first", "slow"]);
    await engine.up(stack({ version: "1.5", packaging: { scripts, windowsUpdate: true } }));
    expect(layerOutputs()).toMatchObject({ version: "1.5", revisionState: "Deployable", installedUpdates: ["KB5035001"] });
  });
});
