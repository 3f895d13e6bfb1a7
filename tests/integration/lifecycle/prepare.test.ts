/**
 * OsMachine.prepare end to end through the dynamic-provider host, against the launcher's
 * simulated Windows guest: the host is killed in the middle of a step, and the next host's up
 * resumes it without repeating the steps already done (a counter file in the guest proves it).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamicProviderHost, Engine, InputMap, OperationError, Program } from "../../harness";
import { machineProgram, makeOsMachineTools, startMachineHost } from "../../lifecycle/prepareMachine";
import { Peers, startPeers } from "../../../sim/peers";
import { VimClient, powerOn, shutdownGuest, type MoRef } from "../../../provider/vsphere";
import { GuestClient, readGuestText, waitForGuestOperations } from "../../../provider/vsphere/guest";

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("OsMachine.prepare through the host: killed mid-step, resumed by the next host", () => {
  let peers: Peers;
  let dir: string;
  let tools: string;
  const hosts: DynamicProviderHost[] = [];
  const hostLog: string[] = [];

  const prepare = (after = "after ran", count = "count ran"): InputMap => ({
    osMachineTools: { path: tools },
    unattend: { answers: "/TimeZone:UTC /Locale:en-US" },
    scripts: [
      { name: "count", powershell: `Add-Content -Path C:\\counter.txt -Value '${count}'` },
      { name: "slow", powershell: "Write-Output 'slow starting'\nStart-Sleep -Seconds 3\nAdd-Content -Path C:\\counter.txt -Value 'slow ran'\nWrite-Output 'slow finished'" },
      { name: "after", phase: "afterSnapshot", powershell: `Add-Content -Path C:\\counter.txt -Value '${after}'` },
    ],
  });
  // Only the VM: the export and the layer are the stack's other tests' business.
  const program = (p: InputMap): Program => machineProgram(p);

  async function startHost(): Promise<{ host: DynamicProviderHost; engine: Engine }> {
    const host = await startMachineHost(peers, { onLine: (l) => hostLog.push(l.text) });
    hosts.push(host);
    return { host, engine: new Engine({ host, stateFile: path.join(dir, "state.json"), passphrase: "prepare" }) };
  }

  /** The guest's counter file: the VM is powered on for the read and shut down again. */
  async function counter(moref: string): Promise<string> {
    const v = peers.vcsim;
    const vim = await VimClient.connect({ url: v.url, user: v.user, password: v.password, tls: { ca: fs.readFileSync(v.caCertPath) } });
    const vm: MoRef = { type: "VirtualMachine", value: moref };
    try {
      await powerOn(vim, vm);
      await waitForGuestOperations(vim, vm, "win2022-os", Date.now() + 30_000);
      return await readGuestText(new GuestClient(vim, vm, { user: v.guestUser, password: v.guestPassword }), "C:\\counter.txt");
    } finally {
      await shutdownGuest(vim, vm, { timeoutMs: 30_000 });
      await vim.logout();
    }
  }

  beforeAll(async () => {
    peers = await startPeers();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "prepare-"));
    tools = makeOsMachineTools(dir);
  });

  afterAll(async () => {
    await Promise.allSettled(hosts.map((h) => h.close()));
    await peers?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the host killed in the middle of a step; the next up resumes it and skips the finished ones", async () => {
    const first = await startHost();
    const pending = first.engine.up(program(prepare())).then(
      () => undefined,
      (e: unknown) => e,
    );
    await until(() => hostLog.some((l) => /step script-slow: started/.test(l)), 120_000, "the slow step to start");
    process.kill(first.host.pid!, "SIGKILL");
    expect(await pending).toBeInstanceOf(OperationError);
    expect(first.engine.resource("win2022-os")).toBeUndefined(); // the create never returned

    const seen = hostLog.length;
    const second = await startHost();
    await second.engine.up(program(prepare()));
    const log = hostLog.slice(seen);
    for (const id of ["windowsUpdate", "osMachineTools", "unattend", "script-count"]) {
      expect(log).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`step ${id}: already done, skipped`))]));
    }
    expect(log.some((l) => /step script-slow: resuming: pid \d+ started by an earlier run/.test(l))).toBe(true);
    expect(log.some((l) => /step script-slow: slow finished/.test(l))).toBe(true);

    const outs = second.engine.resource("win2022-os")!.outputs as Record<string, unknown>;
    expect((outs.prepareSteps as Array<{ id: string; state: string; exitCode: number }>).map((s) => [s.id, s.state, s.exitCode])).toEqual([
      ["windowsUpdate", "done", 0],
      ["osMachineTools", "done", 0],
      ["unattend", "done", 0],
      ["script-count", "done", 0],
      ["script-slow", "done", 0],
      ["script-after", "done", 0],
      ["installTools", "done", 0],
    ]);
    expect(outs).toMatchObject({ osMachineToolsInstalled: true, osLayerReady: true, powerState: "poweredOff", snapshotName: "before-os-machine-tools" });
    expect(outs.snapshotId).not.toBe("");
    // Every step's effect exactly once, although the slow one was under way when its host died.
    expect(await counter(String(outs.moref))).toBe("count ran\r\nslow ran\r\nafter ran\r\n");
  });

  it("a changed after-snapshot script is an update that re-runs from it; a changed earlier one would replace the VM, and the preview says so", async () => {
    const { engine } = await startHost();
    let seen = hostLog.length;
    const preview = await engine.preview(program(prepare("after v2")));
    expect(preview.steps.map((s) => [s.name, s.op])).toEqual([["win2022-os", "update"]]);
    expect(hostLog.slice(seen).some((l) => /prepare step script-after changed: the preparation re-runs from it \(update\)/.test(l))).toBe(true);
    await engine.up(program(prepare("after v2")));
    const outs = engine.resource("win2022-os")!.outputs as Record<string, unknown>;
    expect(await counter(String(outs.moref))).toBe("count ran\r\nslow ran\r\nafter ran\r\nafter v2\r\n");

    seen = hostLog.length;
    const replace = await engine.preview(program(prepare("after v2", "count v2")));
    expect(replace.steps.map((s) => [s.name, s.op])).toEqual([["win2022-os", "replace"]]);
    expect(hostLog.slice(seen).some((l) => /prepare step script-count changed; it runs before the snapshot, which already holds the old preparation: the VM is replaced \(replace\)/.test(l))).toBe(true);
  });

  it("a wrong guest password: the update fails naming the settings, without the password, and the steps stay recorded", async () => {
    const wrong = "Not-The-Guest-Passw0rd";
    const host = await startMachineHost(peers, { settings: { "applayering:guestPassword": wrong }, onLine: (l) => hostLog.push(l.text) });
    hosts.push(host);
    const engine = new Engine({ host, stateFile: path.join(dir, "state.json"), passphrase: "prepare" });
    const err = (await engine.up(program(prepare("after v3"))).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(OperationError);
    expect(err.message).toMatch(/validating the guest account in VM win2022-os: Windows refused the guest account \(InvalidGuestLogin\); set the guest account of the OS machine in applayering:guestUser \/ applayering:guestPassword/);
    expect(err.message + hostLog.join("\n") + fs.readFileSync(path.join(dir, "state.json"), "utf8")).not.toContain(wrong);
    const outs = engine.resource("win2022-os")!.outputs as Record<string, unknown>;
    expect((outs.prepareSteps as unknown[]).length).toBe(7);
  });

  it("keeps the guest password out of the state file and the host's log", () => {
    const pw = peers.vcsim.guestPassword;
    expect(fs.readFileSync(path.join(dir, "state.json"), "utf8")).not.toContain(pw);
    expect(hostLog.join("\n")).not.toContain(pw);
  });
});
