/**
 * Unattended versions (OsLayer.packaging) of the example program (examples/os-layer/index.ts,
 * unchanged, through the SDK's runtime and a host per operation), against vcsim (the packaging
 * machine's simulated Windows guest), smbd and the ELM simulator. Packaging is set as a user sets
 * it: `pulumi config set` of the program's keys (packagingScripts, updateRounds, gateTimeout,
 * gateCheckOnly, versionTimeout). Scripts, update rounds, the layer-integrity gate and Shutdown
 * For Finalize with nobody at the console; each blocker named; check-only; and every stage's
 * resume: a rerun after a failure, a passed deadline, a killed host or a Ctrl-C continues the same
 * version (the ELM's revisions) without running a finished script or update round again (the
 * scripts count their runs in the guest; the simulator counts update rounds).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamicProviderHost, Engine, OperationError } from "../../harness";
import { exampleEngine, exampleProgram } from "../../lifecycle/exampleProgram";
import { DEFAULT_UPDATES, Peers, startPeers } from "../../../sim/peers";
import { BlockerKind, clearBlocker, packagingState, setBlocker, setUpdates } from "../../../sim/vcsim/packagingControl";
import { ElmClient } from "../../../provider/elm";
import { VimClient } from "../../../provider/vsphere/session";
import { listObjects } from "../../../provider/vsphere/properties";
import { GuestClient, readGuestTextIfAny } from "../../../provider/vsphere/guest";

const COUNT = "C:\\Windows\\Temp\\runs.txt";
/** Each script appends its name to the count file: a second run shows as a second line. */
const script = (name: string, extra = "") => `Add-Content -Path ${COUNT} -Value ${name}\n${extra}`;
const SCRIPTS = [script("first"), script("second")];

/** The program's packaging keys (examples/os-layer/README.md); a key left out is unset. */
interface Knobs {
  scripts?: string[];
  updateRounds?: number;
  gateTimeout?: number;
  gateCheckOnly?: boolean;
  versionTimeout?: number;
}

// A failing `up` of the real program takes about a minute to end (the program outlives the failed
// step; see the report), and these tests fail several on purpose.
jest.setTimeout(400_000);

describe("unattended OsLayer versions (packaging) of the example program", () => {
  let peers: Peers;
  let engine: Engine;
  let dir: string;
  let vim: VimClient;
  let onLine: (text: string) => void = () => undefined;
  const hosts: DynamicProviderHost[] = [];
  let folders = 0;

  beforeAll(async () => {
    peers = await startPeers();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "packaging-"));
    engine = exampleEngine(peers, {
      stateFile: path.join(dir, "state.json"),
      passphrase: "packaging",
      config: { "applayering:guestPollMs": "100" },
      onLine: (l) => {
        if (process.env.PACKAGING_DEBUG) fs.appendFileSync(process.env.PACKAGING_DEBUG, `${new Date().toISOString()} ${l.text}\n`);
        onLine(l.text);
      },
      onHost: (h) => hosts.push(h),
    });
    const vc = peers.vcsim;
    vim = await VimClient.connect({ url: vc.url, user: vc.user, password: vc.password, tls: { ca: fs.readFileSync(vc.caCertPath) } });
  });

  afterAll(async () => {
    await vim?.logout().catch(() => undefined);
    vim?.close();
    await peers?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** `pulumi config set version …` and the packaging keys; the scripts go into a folder of .ps1 files. */
  function configure(version: string, k: Knobs): void {
    let scripts: string | undefined;
    if (k.scripts) {
      scripts = path.join(dir, `scripts-${folders++}`);
      fs.mkdirSync(scripts);
      k.scripts.forEach((text, i) => fs.writeFileSync(path.join(scripts!, `${i + 1}-step.ps1`), text));
    }
    const str = (v: number | boolean | undefined) => (v === undefined ? undefined : String(v));
    engine.setConfig("version", version);
    engine.setConfig("packagingScripts", scripts);
    engine.setConfig("updateRounds", str(k.updateRounds));
    engine.setConfig("gateTimeout", str(k.gateTimeout));
    engine.setConfig("gateCheckOnly", str(k.gateCheckOnly));
    engine.setConfig("versionTimeout", str(k.versionTimeout));
  }
  const up = () => engine.up(exampleProgram());
  const layerOutputs = () => engine.resource("win2022-layer")!.outputs as Record<string, unknown>;
  const failure = async (p: Promise<unknown>) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    if (process.env.PACKAGING_DEBUG) fs.appendFileSync(process.env.PACKAGING_DEBUG, `${new Date().toISOString()} FAILED ${(err as Error).message}\n`);
    return (err as Error).message;
  };
  /** The packaging machine's count file (who ran how often), read over guest operations. */
  async function runs(machine: string): Promise<string[]> {
    const vm = (await listObjects(vim, "VirtualMachine", ["name"])).find((o) => o.props.name === machine)!.obj;
    const g = new GuestClient(vim, vm, { user: peers.vcsim.guestUser, password: peers.vcsim.guestPassword }, { vmName: machine, unavailableTimeoutMs: 30_000 });
    return ((await readGuestTextIfAny(g, COUNT)) ?? "").split(/\r?\n/).filter(Boolean);
  }
  const versions = (name: string) => peers.elm.revisions().filter((r) => r.versionName === name);
  const elm = () => new ElmClient({ address: peers.elm.url, user: peers.elm.user, password: peers.elm.password, tls: { ca: peers.elm.caCertPem } });

  /**
   * Runs `up` and, once a host line matches `when`, kills the provider host (SIGKILL, as the OS
   * kills a crashed process); the up fails and nothing of the step in flight is recorded.
   */
  async function upKilledAt(when: RegExp): Promise<string[]> {
    const seen: string[] = [];
    const first = hosts.length;
    let killed = false;
    onLine = (text) => {
      seen.push(text);
      if (killed || !when.test(text)) return;
      killed = true;
      for (const h of hosts.slice(first)) process.kill(h.pid!, "SIGKILL");
    };
    try {
      await failure(up());
    } finally {
      onLine = () => undefined;
    }
    expect(killed).toBe(true);
    return seen;
  }

  /** Runs `up`, collecting the host's lines. */
  async function upSeen(): Promise<string[]> {
    const seen: string[] = [];
    onLine = (text) => seen.push(text);
    try {
      await up();
    } finally {
      onLine = () => undefined;
    }
    return seen;
  }

  it("imports version 1.0 (no packaging machine yet)", async () => {
    configure("1.0", {});
    await up();
    expect(layerOutputs()).toMatchObject({ version: "1.0", revisionState: "Deployable" });
  });

  it("version 1.1 comes up unattended: scripts, two update rounds, gate, Shutdown For Finalize; KBs in outputs and audit", async () => {
    const seen: string[] = [];
    peers.preparePackagingMachine = async (vm) => {
      seen.push(vm);
      await setUpdates(peers.vcsim, vm, DEFAULT_UPDATES);
    };
    configure("1.1", { scripts: SCRIPTS, updateRounds: 4 });
    const text = (await upSeen()).join("\n");
    expect(layerOutputs()).toMatchObject({ version: "1.1", revisionState: "Deployable", pendingVersion: "", packagingStage: "" });
    expect(layerOutputs().installedUpdates).toEqual(["KB5032339", "KB5033118", "KB5034439"]);
    expect(engine.state().outputs!.installedUpdates).toEqual(["KB5032339", "KB5033118", "KB5034439"]);
    expect(text).toMatch(/running script 1 of 2/);
    expect(text).toMatch(/Windows Update round 2/);
    expect(text).toMatch(/finalize is allowed/);
    expect(text).toMatch(/running Shutdown For Finalize/);
    expect(text).not.toMatch(/install the updates in it/);
    expect(seen).toHaveLength(1);
    const layerId = Number(layerOutputs().layerId);
    const audit = await elm().auditLog("OsLayer", layerId);
    expect(audit.map((a) => a.comment).join("\n")).toMatch(/updates KB5032339 KB5033118 KB5034439/);
    // The ELM removed its packaging machine once finalized; nobody shut it down by hand.
    expect(peers.elm.packagingMachines()).toEqual([]);
    expect(peers.packagingErrors).toEqual([]);
    // A classic ELM: the machine shut down, the provider finalized.
    expect(peers.elm.requestCounts().FinalizeLayerRevision).toBeGreaterThan(0);
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
    configure("1.2", { scripts: SCRIPTS, gateTimeout: 0.05 });
    const message = await failure(up());
    expect(message).toContain(`packaging machine ${machine}, stage gate`);
    for (const kind of ["runOnce", "rebootPending", "bootDriverReboot", "msiRunning", "ngenRunning", "smsCfg"]) expect(message).toContain(kind);
    expect(message).toMatch(/SMSCFG\.INI/);
    expect(message).toMatch(/finish by hand/);
    expect(layerOutputs()).toMatchObject({ version: "1.1", pendingVersion: "1.2", packagingMachine: machine, packagingStage: "gate" });
    expect(await runs(machine)).toEqual(["first", "second"]);

    for (const [k] of kinds) await clearBlocker(peers.vcsim, machine, k);
    const revisionsBefore = peers.elm.revisions().length;
    await up();
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
    configure("1.3", { gateTimeout: 2 });
    const text = (await upSeen()).join("\n");
    expect(layerOutputs()).toMatchObject({ version: "1.3", revisionState: "Deployable" });
    expect(text).toMatch(/ngen executeQueuedItems/);
    expect(text).toMatch(/rebooting .* to clear rebootPending/);
  });

  it("check-only reports the gate and finalizes nothing; turning it off finalizes the same version", async () => {
    peers.preparePackagingMachine = (vm) => setUpdates(peers.vcsim, vm, []);
    configure("1.4", { gateCheckOnly: true });
    const message = await failure(up());
    expect(message).toMatch(/check only .* the layer-integrity gate passed, nothing was finalized/);
    expect(peers.elm.packagingMachines()).toHaveLength(1);
    expect(layerOutputs()).toMatchObject({ version: "1.3", pendingVersion: "1.4" });
    configure("1.4", {});
    await up();
    expect(layerOutputs()).toMatchObject({ version: "1.4", revisionState: "Deployable" });
    expect(versions("1.4")).toHaveLength(1);
  });

  it("a deadline passing mid-script leaves it running; the rerun waits for it and never runs a finished script again", async () => {
    let machine = "";
    peers.preparePackagingMachine = async (vm) => {
      machine = vm;
      await setUpdates(peers.vcsim, vm, [{ kb: "KB5035001", round: 1, reboot: true }]);
    };
    const scripts = [script("first"), script("slow", "Start-Sleep -Seconds 6")];
    // versionTimeout (0.1 min) ends while the slow script runs.
    configure("1.5", { scripts, versionTimeout: 0.1 });
    const message = await failure(up());
    expect(message).toMatch(/stage scripts 2\/2/);
    expect(message).toMatch(/resumes this same version/);
    // The rerun stops at the gate (check-only) so the count file can be read before the machine goes.
    configure("1.5", { scripts, gateCheckOnly: true });
    expect(await failure(up())).toMatch(/check only/);
    expect(await runs(machine)).toEqual(["first", "slow"]);
    configure("1.5", { scripts });
    await up();
    expect(layerOutputs()).toMatchObject({ version: "1.5", revisionState: "Deployable", installedUpdates: ["KB5035001"] });
    expect(versions("1.5")).toHaveLength(1);
  });

  it("the host killed mid-script: the rerun re-attaches to the script still running, runs none twice, makes no second version", async () => {
    let machine = "";
    peers.preparePackagingMachine = async (vm) => {
      machine = vm;
      await setUpdates(peers.vcsim, vm, []);
    };
    const scripts = [script("first"), script("slow", "Start-Sleep -Seconds 4"), script("third")];
    configure("1.6", { scripts });
    await upKilledAt(/step pkg-\w+-script-2: started/);
    expect(versions("1.6")).toHaveLength(1);
    const revisions = peers.elm.revisions().length;

    configure("1.6", { scripts, gateCheckOnly: true });
    const seen: string[] = [];
    onLine = (text) => seen.push(text);
    expect(await failure(up())).toMatch(/check only/);
    onLine = () => undefined;
    expect(seen.some((l) => /resuming version 1\.6/.test(l))).toBe(true);
    expect(seen.some((l) => /step pkg-\w+-script-1: already done, skipped/.test(l))).toBe(true);
    expect(seen.some((l) => /step pkg-\w+-script-2: resuming: pid \d+ started by an earlier run/.test(l))).toBe(true);
    expect(await runs(machine)).toEqual(["first", "slow", "third"]);

    configure("1.6", { scripts });
    await up();
    expect(layerOutputs()).toMatchObject({ version: "1.6", revisionState: "Deployable", pendingVersion: "" });
    expect(peers.elm.revisions()).toHaveLength(revisions);
    expect(versions("1.6")).toHaveLength(1);
  });

  it("the host killed mid-gate: after the blocker ends the rerun resumes at the gate, scripts and update rounds not repeated", async () => {
    let machine = "";
    peers.preparePackagingMachine = async (vm) => {
      machine = vm;
      // No update that needs a restart: a restart would end the installer (the blocker) too.
      await setUpdates(peers.vcsim, vm, [{ kb: "KB5036001", round: 1 }]);
      await setBlocker(peers.vcsim, vm, "msiexec", { seconds: -1 });
    };
    configure("1.7", { scripts: SCRIPTS, gateTimeout: 5 });
    await upKilledAt(/layer integrity blocked: msiRunning/);
    expect(await runs(machine)).toEqual(["first", "second"]);
    const wuRuns = (await packagingState(peers.vcsim, machine)).wuRuns;
    const revisions = peers.elm.revisions().length;

    await clearBlocker(peers.vcsim, machine, "msiexec");
    configure("1.7", { scripts: SCRIPTS, gateCheckOnly: true });
    expect(await failure(up())).toMatch(/check only/);
    expect(await runs(machine)).toEqual(["first", "second"]);
    expect((await packagingState(peers.vcsim, machine)).wuRuns).toBe(wuRuns);

    configure("1.7", { scripts: SCRIPTS });
    await up();
    expect(layerOutputs()).toMatchObject({ version: "1.7", revisionState: "Deployable", installedUpdates: ["KB5036001"] });
    expect(peers.elm.revisions()).toHaveLength(revisions);
  });

  it("Ctrl-C during the update rounds: the next up resumes the same version, no round run twice, every KB recorded", async () => {
    let machine = "";
    peers.preparePackagingMachine = async (vm) => {
      machine = vm;
      await setUpdates(peers.vcsim, vm, DEFAULT_UPDATES);
    };
    configure("1.8", { scripts: SCRIPTS });
    const first = hosts.length;
    let cancelled: Promise<void> | undefined;
    onLine = (text) => {
      if (!cancelled && /step pkg-\w+-wu-1: started/.test(text)) cancelled = engine.cancel();
    };
    const message = await failure(up());
    await cancelled;
    onLine = () => undefined;
    expect(message).toMatch(/up failed: cancelled/);
    // The host of the cancelled operation is gone; the round it started goes on in the guest.
    for (const h of hosts.slice(first)) expect(() => process.kill(h.pid!, 0)).toThrow();
    expect(versions("1.8")).toHaveLength(1);
    const revisions = peers.elm.revisions().length;

    const seen = await upSeen();
    expect(seen.some((l) => /step pkg-\w+-wu-1: resuming: pid \d+/.test(l))).toBe(true);
    expect(layerOutputs()).toMatchObject({ version: "1.8", revisionState: "Deployable", pendingVersion: "" });
    expect(layerOutputs().installedUpdates).toEqual(["KB5032339", "KB5033118", "KB5034439"]);
    expect(peers.elm.revisions()).toHaveLength(revisions);
    expect(versions("1.8")).toHaveLength(1);
    // Round 1, round 2, then the round that finds nothing: three, as without the Ctrl-C.
    expect(seen.filter((l) => /step pkg-\w+-wu-\d+: started/.test(l))).toHaveLength(2);
    expect(machine).not.toBe("");
  });

  it("offload compositing: Shutdown For Finalize reboots into the compositing engine and the ELM finalizes; the provider waits on the ELM", async () => {
    peers.elm.setFinalizeMode("onShutdown");
    try {
      peers.preparePackagingMachine = (vm) => setUpdates(peers.vcsim, vm, []);
      configure("1.9", { scripts: SCRIPTS });
      const finalizes = peers.elm.requestCounts().FinalizeLayerRevision ?? 0;
      const text = (await upSeen()).join("\n");
      expect(text).toMatch(/running Shutdown For Finalize/);
      expect(text).not.toMatch(/finalizing version 1\.9/);
      expect(layerOutputs()).toMatchObject({ version: "1.9", revisionState: "Deployable", pendingVersion: "", packagingStage: "" });
      expect(peers.elm.requestCounts().FinalizeLayerRevision ?? 0).toBe(finalizes); // the compositing engine finalized, not the provider
      expect(versions("1.9")).toHaveLength(1);
      expect(peers.packagingErrors).toEqual([]);
    } finally {
      peers.elm.setFinalizeMode("manual");
    }
  });
});
