// OsMachine.prepare: check() before any side effect, the plan in the procedure's order, and diff.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkOsMachine } from "../../../provider/osMachine/check";
import { checkPrepare } from "../../../provider/osMachine/prepare/check";
import { planPrepare } from "../../../provider/osMachine/prepare/plan";
import { diffPrepare } from "../../../provider/osMachine/prepare/diff";
import type { PrepareStepRecord } from "../../../provider/osMachine/prepare/types";
import { UNKNOWN, type CheckFailure } from "../../../provider/inputs";
import { prepareChange } from "../../../provider/osMachine/diff";

let dir: string;
let tools: string;
const env = { APPLAYERING_GUEST_USER: "Administrator", APPLAYERING_GUEST_PASSWORD: "pw" };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "prepare-unit-"));
  tools = path.join(dir, "tools");
  fs.mkdirSync(path.join(tools, "sub"), { recursive: true });
  fs.writeFileSync(path.join(tools, "Setup_x64.exe"), "MZ");
  fs.writeFileSync(path.join(tools, "sub", "a.txt"), "a");
  fs.writeFileSync(path.join(dir, "tools.zip"), "PK");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function check(raw: unknown, e: NodeJS.ProcessEnv = env): { failures: string[]; prepare: ReturnType<typeof checkPrepare> } {
  const failures: CheckFailure[] = [];
  const prepare = checkPrepare(raw, failures, e);
  return { failures: failures.map((f) => f.reason), prepare };
}

describe("checkPrepare", () => {
  it("defaults: Windows Update off, tools installed, 30-minute steps", () => {
    expect(check({ osMachineTools: { path: tools } })).toEqual({
      failures: [],
      prepare: { disableWindowsUpdate: true, installTools: true, scripts: [], stepTimeoutMinutes: 30, osMachineTools: { path: tools } },
    });
  });

  it("names each bad field and its fix", () => {
    const { failures } = check({
      osMachineTools: { path: path.join(dir, "missing") },
      unattend: { file: 3 },
      scripts: [{ name: "a b", powershell: "x" }, { name: "ok", powershell: "x", file: "y.ps1" }, { name: "ok", file: path.join(dir, "none.ps1"), phase: "later" }],
      colour: "blue",
    });
    expect(failures).toEqual([
      "OsMachine.prepare.colour: is not a setting of prepare; use disableWindowsUpdate, osMachineTools, unattend, installTools, scripts, stepTimeoutMinutes",
      `OsMachine.prepare.osMachineTools.path: path "${path.join(dir, "missing")}" does not exist on this machine: give the path of a local folder or .zip file`,
      'OsMachine.prepare.unattend: must be { file: "<local unattend.xml>" } or { answers: "<Unattend.exe arguments>" } (leave it out when publishing to PVS or Azure), got {"file":3}',
      'OsMachine.prepare.scripts[0].name: must be 1-40 letters, digits, - or _ (it names the step), got "a b"',
      "OsMachine.prepare.scripts[1]: give exactly one of powershell (the script's text) or file (a local .ps1)",
      'OsMachine.prepare.scripts[2].name: "ok" is used twice: script names must differ',
      'OsMachine.prepare.scripts[2].phase: must be "beforeSnapshot" or "afterSnapshot", got "later"',
      `OsMachine.prepare.scripts[2].file: file "${path.join(dir, "none.ps1")}" does not exist on this machine: give the path of a local file`,
    ]);
  });

  it("installTools needs the OS Machine Tools; the guest account must be in config", () => {
    expect(check({}, {}).failures).toEqual([
      "OsMachine.prepare.installTools: runs Setup_x64.exe from C:\\Windows\\Setup\\scripts, which osMachineTools puts there: set osMachineTools, or installTools: false",
      "OsMachine.prepare: runs inside Windows through VMware Tools and needs the guest account: the guest account for OsMachine.prepare is not set: run `pulumi config set applayering:guestUser …` or set APPLAYERING_GUEST_USER",
    ]);
  });

  it("OsMachine with prepare: the snapshot gets a default name, and powerState poweredOn is refused", () => {
    const old = { ...process.env };
    Object.assign(process.env, env);
    try {
      const base = { name: "vm", datacenter: "DC0", datastore: "ds", network: "net", prepare: { installTools: false } };
      expect(checkOsMachine(base).inputs.snapshotName).toBe("before-os-machine-tools");
      expect(checkOsMachine({ ...base, powerState: "poweredOn" }).failures.map((f) => f.reason)).toEqual([
        'OsMachine.powerState: prepare ends with Windows shut down, as the procedure does: leave powerState unset (or "poweredOff")',
      ]);
    } finally {
      process.env = old;
    }
  });
});

describe("values unknown in preview", () => {
  it("pass check, and diff calls them an update without reading files", () => {
    const { failures, prepare } = check({ osMachineTools: { path: UNKNOWN } });
    expect(failures).toEqual([]);
    expect(prepareChange({}, { prepare } as never)).toMatchObject({ kind: "update" });
  });
});

describe("planPrepare", () => {
  it("orders the steps as the procedure does, the folder's files under C:\\Windows\\Setup\\scripts", () => {
    const p = check({ osMachineTools: { path: tools }, unattend: { answers: "/x" }, scripts: [{ name: "late", phase: "afterSnapshot", powershell: "exit 0" }, { name: "early", powershell: "exit 0" }] }).prepare!;
    const plan = planPrepare(p);
    expect(plan.map((s) => [s.step.id, s.phase])).toEqual([
      ["windowsUpdate", "beforeSnapshot"],
      ["osMachineTools", "beforeSnapshot"],
      ["unattend", "beforeSnapshot"],
      ["script-early", "beforeSnapshot"],
      ["script-late", "afterSnapshot"],
      ["installTools", "afterSnapshot"],
    ]);
    expect(plan[1].step.files!.map((f) => f.guest)).toEqual(["C:\\Windows\\Setup\\scripts\\Setup_x64.exe", "C:\\Windows\\Setup\\scripts\\sub\\a.txt"]);
    expect(plan[2].step.action).toEqual({ program: "C:\\Windows\\Setup\\scripts\\Unattend.exe", args: "/x" });
  });

  it("a zip is uploaded and expanded in the guest", () => {
    const plan = planPrepare(check({ osMachineTools: { path: path.join(dir, "tools.zip") }, disableWindowsUpdate: false }).prepare!);
    expect(plan[0].step.action).toEqual({ powershell: "Expand-Archive -Path 'C:\\Windows\\Temp\\applayering\\OSMachineTools.zip' -DestinationPath 'C:\\Windows\\Setup\\scripts' -Force\nexit 0\n" });
  });

  it("a file's content changes its step's hash and every later one, not the earlier ones", () => {
    const p = check({ osMachineTools: { path: tools } }).prepare!;
    const a = planPrepare(p);
    fs.writeFileSync(path.join(tools, "sub", "a.txt"), "changed");
    const b = planPrepare(p);
    expect(a.map((s, i) => s.hash === b[i].hash)).toEqual([true, false, false]);
  });
});

describe("diffPrepare", () => {
  const p = () => check({ osMachineTools: { path: tools }, scripts: [{ name: "s", powershell: "exit 0" }] }).prepare!;
  const records = (plan: ReturnType<typeof planPrepare>): PrepareStepRecord[] => plan.map((s) => ({ id: s.step.id, title: "", hash: s.hash, state: "done", exitCode: 0, logTail: [], phase: s.phase }));

  it("nothing changed: no change; a step not finished: update from it", () => {
    const plan = planPrepare(p());
    expect(diffPrepare(records(plan), plan, true)).toEqual({ kind: "none" });
    const recs = records(plan);
    recs[2].state = "failed";
    expect(diffPrepare(recs, plan, true)).toMatchObject({ kind: "update", from: "script-s" });
  });

  it("a change after the snapshot updates; before it, once the snapshot holds the old preparation, replaces", () => {
    const old = planPrepare(p());
    const changedBefore = planPrepare({ ...p(), scripts: [{ name: "s", powershell: "exit 0 # v2", phase: "beforeSnapshot" }] });
    expect(diffPrepare(records(old), changedBefore, true)).toMatchObject({ kind: "replace", from: "script-s" });
    expect(diffPrepare(records(old), changedBefore, false)).toMatchObject({ kind: "update", from: "script-s" });
    const withAfter = { ...p(), scripts: [...p().scripts, { name: "t", powershell: "exit 0", phase: "afterSnapshot" as const }] };
    const changedAfter = { ...withAfter, scripts: [withAfter.scripts[0], { ...withAfter.scripts[1], powershell: "exit 0 # v2" }] };
    expect(diffPrepare(records(planPrepare(withAfter)), planPrepare(changedAfter), true)).toMatchObject({ kind: "update", from: "script-t" });
    // Moved across the snapshot: a change before it.
    const moved = planPrepare({ ...p(), scripts: [{ name: "s", powershell: "exit 0", phase: "afterSnapshot" }] });
    expect(diffPrepare(records(old), moved, true)).toMatchObject({ kind: "replace", from: "script-s" });
  });
});
