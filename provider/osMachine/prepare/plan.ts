/**
 * The preparation as guest steps, in the procedure's order: Windows Update off, OS Machine Tools
 * into C:\Windows\Setup\scripts, unattend.xml, the user's before-snapshot scripts | snapshot |
 * the user's after-snapshot scripts, Setup_x64.exe; then the machine is shut down (run.ts).
 * Each step's hash chains the one before it, so a changed step changes every later one too:
 * the preparation re-runs from the first change.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { GuestStep, StepFile, stepHash } from "../../guest";
import type { PrepareInputs } from "./types";

export const SCRIPTS_DIR = "C:\\Windows\\Setup\\scripts";
const STAGING_DIR = "C:\\Windows\\Temp\\applayering";

export interface PlannedStep {
  step: GuestStep;
  phase: "beforeSnapshot" | "afterSnapshot";
  /** Chained: this step's content and the hash of the step before it. */
  hash: string;
}

/** Every file below `dir`, as uploads below `guestDir` (bounded: a tools folder is small). */
function folderFiles(dir: string, guestDir: string, out: StepFile[] = [], depth = 0): StepFile[] {
  if (depth > 16 || out.length > 10_000) throw new Error(`${dir}: more than 16 levels or 10 000 files; is this the OS Machine Tools folder?`);
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const local = path.join(dir, e.name);
    if (e.isDirectory()) folderFiles(local, `${guestDir}\\${e.name}`, out, depth + 1);
    else if (e.isFile()) out.push({ local, guest: `${guestDir}\\${e.name}` });
  }
  return out;
}

function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function planPrepare(p: PrepareInputs): PlannedStep[] {
  const minutes = (m?: number) => (m ?? p.stepTimeoutMinutes) * 60_000;
  const before: GuestStep[] = [];
  const after: GuestStep[] = [];
  if (p.disableWindowsUpdate) {
    before.push({
      id: "windowsUpdate",
      title: "turn off Windows automatic updates",
      action: {
        cmd:
          "sc.exe config wuauserv start= disabled && " +
          'reg.exe add "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\WindowsUpdate\\AU" /v NoAutoUpdate /t REG_DWORD /d 1 /f',
      },
      timeoutMs: minutes(),
    });
  }
  const tools = p.osMachineTools;
  if (tools && "path" in tools) {
    if (fs.statSync(tools.path).isDirectory()) {
      before.push({ id: "osMachineTools", title: `copy the OS Machine Tools to ${SCRIPTS_DIR}`, action: { cmd: `echo OS Machine Tools copied to ${SCRIPTS_DIR}` }, files: folderFiles(tools.path, SCRIPTS_DIR), timeoutMs: minutes() });
    } else {
      const zip = `${STAGING_DIR}\\OSMachineTools.zip`;
      before.push({
        id: "osMachineTools",
        title: `extract the OS Machine Tools into ${SCRIPTS_DIR}`,
        action: { powershell: `Expand-Archive -Path ${psQuote(zip)} -DestinationPath ${psQuote(SCRIPTS_DIR)} -Force\nexit 0\n` },
        files: [{ local: tools.path, guest: zip }],
        timeoutMs: minutes(),
      });
    }
  } else if (tools) {
    const exe = `${STAGING_DIR}\\${path.basename(tools.installer)}`;
    before.push({ id: "osMachineTools", title: "install the OS Machine Tools", action: { program: exe, args: tools.args }, files: [{ local: tools.installer, guest: exe }], timeoutMs: minutes() });
  }
  const un = p.unattend;
  if (un && "file" in un) {
    before.push({ id: "unattend", title: "place unattend.xml", action: { cmd: `echo unattend.xml placed in ${SCRIPTS_DIR}` }, files: [{ local: un.file, guest: `${SCRIPTS_DIR}\\unattend.xml` }], timeoutMs: minutes() });
  } else if (un) {
    before.push({ id: "unattend", title: "build unattend.xml with Unattend.exe", action: { program: `${SCRIPTS_DIR}\\Unattend.exe`, args: un.answers }, timeoutMs: minutes() });
  }
  for (const s of p.scripts) {
    const text = s.powershell ?? fs.readFileSync(s.file!, "utf8");
    (s.phase === "afterSnapshot" ? after : before).push({ id: `script-${s.name}`, title: `script ${s.name}`, action: { powershell: text }, timeoutMs: minutes(s.timeoutMinutes) });
  }
  if (p.installTools) {
    after.push({ id: "installTools", title: "run Setup_x64.exe (OS Machine Tools)", action: { program: `${SCRIPTS_DIR}\\Setup_x64.exe` }, timeoutMs: minutes() });
  }
  let prev = "";
  const chain = (step: GuestStep, phase: PlannedStep["phase"]): PlannedStep => {
    // The phase too: a step moved across the snapshot changes what the snapshot holds.
    prev = createHash("sha256").update(`${prev}\n${phase}\n${stepHash(step)}`).digest("hex");
    return { step, phase, hash: prev };
  };
  return [...before.map((s) => chain(s, "beforeSnapshot")), ...after.map((s) => chain(s, "afterSnapshot"))];
}
