/**
 * The fault matrix, the provider host: killed in the middle of an OsLayer create, then run again,
 * through the harness and a real dynamic-provider host. The outcome AND the invariants:
 *   - the re-run succeeds, or the error is clear (what failed and what to do);
 *   - no duplicate layer, version or VM;
 *   - no half-written export published (the final folder is absent or complete);
 *   - the user's pre-existing objects are intact;
 *   - no password in errors, recorded state or the provider log (stderr).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ElmSim, startElmSim } from "../../../sim/elm";
import { DynamicProviderHost, Engine, OperationError, resource, secret, Program } from "../../harness";
import { trampoline } from "../../../sdk/trampoline";
import { expectNoSecret, until } from "./helpers";

const FIXTURES = path.join(__dirname, "../../fixtures/ovf");
const repoRoot = path.resolve(__dirname, "../../..");
const ELM_PASSWORD = `Elm-${Math.random().toString(36).slice(2)}-pw`;

// ------------------------------------------------------------------------------------------------
// The provider host killed in the middle of an OsLayer create, then run again (harness + host)
// ------------------------------------------------------------------------------------------------
describe("the provider host killed in the middle of a create, then run again", () => {
  let sim: ElmSim;
  let shareDir: string;
  let stateDir: string;
  const hosts: DynamicProviderHost[] = [];
  const hostLog: string[] = [];
  const LAYER = "Killed Host OS";

  const program = (): Program => [
    resource(
      trampoline("osLayer"),
      "layer",
      { name: LAYER, connector: "vSphere", ovfPath: "exports/win2019/win2019.ovf", version: "1.0", createTimeout: 1 },
      { module: "applayering", type: "OsLayer" },
    ),
  ];

  async function startHost(): Promise<{ host: DynamicProviderHost; engine: Engine }> {
    const host = await DynamicProviderHost.start({
      cwd: repoRoot,
      project: "reliability",
      stack: "faults",
      config: {
        "applayering:elmAddress": sim.url,
        "applayering:elmUser": sim.user,
        "applayering:elmPassword": secret(ELM_PASSWORD),
      },
      env: { APPLAYERING_POLL_INTERVAL_MS: "20", APPLAYERING_ELM_PASSWORD: "", APPLAYERING_ELM_ADDRESS: "" },
      onLine: (l) => hostLog.push(l.text),
    });
    hosts.push(host);
    return { host, engine: new Engine({ host, stateFile: path.join(stateDir, "state.json"), passphrase: "reliability" }) };
  }

  beforeAll(async () => {
    shareDir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-host-share-"));
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-host-state-"));
    fs.mkdirSync(path.join(shareDir, "exports/win2019"), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, "win2019-bios.ovf"), path.join(shareDir, "exports/win2019/win2019.ovf"));
    fs.copyFileSync(path.join(FIXTURES, "win2019-disk-0.vmdk"), path.join(shareDir, "exports/win2019/win2019-disk-0.vmdk"));
    sim = await startElmSim({ clockSpeed: 5, password: ELM_PASSWORD, fileShares: [{ uncPath: "\\\\127.0.0.1\\layers", localDir: shareDir }] });
  });

  afterAll(async () => {
    await Promise.allSettled(hosts.map((h) => h.close()));
    await sim?.stop();
    fs.rmSync(shareDir, { recursive: true, force: true });
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("the new host adopts the layer in flight instead of importing a second one", async () => {
    const first = await startHost();
    const pending = first.engine.up(program()).then(
      () => undefined,
      (e: unknown) => e,
    );
    // The import is under way: the ELM has the layer, its task runs, the host waits on it.
    await until(() => sim.layers().some((l) => l.name === LAYER) && hostLog.some((l) => /importing \(layer \d+, ELM task \d+\)/.test(l)), 20_000, "the import to start");
    process.kill(first.host.pid!, "SIGKILL");
    const err = await pending;
    expect(err).toBeInstanceOf(OperationError);
    expect(first.engine.resource("layer")).toBeUndefined(); // the create never returned: nothing recorded
    expect(sim.tickets().filter((t) => t.kind === "ImportOs" && !["Complete", "Failed", "Canceled", "DoneWithErrors"].includes(t.state))).toHaveLength(1);

    sim.setClockSpeed(500);
    const second = await startHost();
    await second.engine.up(program());
    const layers = sim.layers().filter((l) => l.name === LAYER);
    expect(layers).toHaveLength(1);
    expect(layers[0].revisions.map((r) => `${r.versionName}:${r.state}`)).toEqual(["1.0:Deployable"]);
    expect(sim.requestCounts().ImportOs).toBe(1);
    expect(second.engine.resource("layer")?.id).toBe(String(layers[0].id));
    expect(hostLog.some((l) => l.includes(`adopting existing layer ${layers[0].id}`))).toBe(true);
    // And a third up has nothing to do.
    expect((await second.engine.up(program())).steps.every((s) => s.op === "same")).toBe(true);
    expectNoSecret({ state: fs.readFileSync(second.engine.stateFile, "utf8"), hostLog: hostLog.join("\n") }, [ELM_PASSWORD]);
  });
});
