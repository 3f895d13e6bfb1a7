/**
 * Validates OsMachine.prepare before any side effect: shapes, local files that must exist, the
 * guest account in config (never in inputs), and that the machine ends shut down.
 */
import * as fs from "node:fs";
import { ConfigError, guestCredentials } from "../../config";
import { CheckFailure, InputReader, isUnknown, show } from "../../inputs";
import type { OsMachineTools, PrepareInputs, PrepareScript, ScriptPhase, Unattend } from "./types";

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);
const MAX_SCRIPT_BYTES = 1024 * 1024;

/** Snapshot taken between the two phases when the program names none. */
export const DEFAULT_PREPARE_SNAPSHOT = "before-os-machine-tools";

function localFile(path: string, what: string, fail: (m: string) => void, kind: "file" | "folder-or-zip" = "file"): void {
  if (isUnknown(path)) return; // known at update time; checked then
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch {
    fail(`${what} "${path}" does not exist on this machine: give the path of a local ${kind === "file" ? "file" : "folder or .zip file"}`);
    return;
  }
  if (kind === "file" && !st.isFile()) fail(`${what} "${path}" is not a file`);
  if (kind === "folder-or-zip" && !st.isDirectory() && !(st.isFile() && /\.zip$/i.test(path))) {
    fail(`${what} "${path}" must be the extracted OS Machine Tools folder or their .zip file`);
  }
}

/** Reads `prepare` (undefined when absent). Failures go to `failures` under the property "prepare". */
export function checkPrepare(raw: unknown, failures: CheckFailure[], env: NodeJS.ProcessEnv = process.env): PrepareInputs | undefined {
  if (raw === undefined || raw === null) return undefined;
  const fail = (where: string, reason: string) => failures.push({ property: "prepare", reason: `OsMachine.prepare${where}: ${reason}` });
  if (!isObject(raw)) {
    fail("", `must be an object such as { disableWindowsUpdate: true, osMachineTools: { path: "./OSMachineTools" } }, got ${show(raw)}`);
    return undefined;
  }
  const known = ["disableWindowsUpdate", "osMachineTools", "unattend", "installTools", "scripts", "stepTimeoutMinutes"];
  for (const k of Object.keys(raw)) if (!known.includes(k)) fail(`.${k}`, `is not a setting of prepare; use ${known.join(", ")}`);
  const r = new InputReader(raw, "OsMachine.prepare");
  const out: PrepareInputs = {
    disableWindowsUpdate: r.boolean("disableWindowsUpdate", true),
    installTools: r.boolean("installTools", true),
    scripts: [],
    stepTimeoutMinutes: r.number("stepTimeoutMinutes", { default: 30, min: 0.01, max: 24 * 60, unit: "minutes" }) ?? 30,
  };
  for (const f of r.failures) failures.push({ property: "prepare", reason: f.reason });

  const tools = raw.osMachineTools;
  if (tools !== undefined && !isUnknown(tools)) {
    if (isObject(tools) && typeof tools.path === "string" && tools.installer === undefined) {
      localFile(tools.path, "path", (m) => fail(".osMachineTools.path", m), "folder-or-zip");
      out.osMachineTools = { path: tools.path } satisfies OsMachineTools;
    } else if (isObject(tools) && typeof tools.installer === "string" && tools.path === undefined && (tools.args === undefined || typeof tools.args === "string")) {
      localFile(tools.installer, "installer", (m) => fail(".osMachineTools.installer", m));
      out.osMachineTools = { installer: tools.installer, ...(tools.args ? { args: tools.args } : {}) };
    } else {
      fail(".osMachineTools", `must be { path: "<folder or .zip>" } or { installer: "<local .exe>", args?: "<arguments>" }, got ${show(tools)}`);
    }
  }

  const un = raw.unattend;
  if (un !== undefined && !isUnknown(un)) {
    if (isObject(un) && typeof un.file === "string" && un.answers === undefined) {
      localFile(un.file, "file", (m) => fail(".unattend.file", m));
      out.unattend = { file: un.file } satisfies Unattend;
    } else if (isObject(un) && typeof un.answers === "string" && un.file === undefined) {
      if (!out.osMachineTools) fail(".unattend.answers", "runs Unattend.exe from the OS Machine Tools: set osMachineTools too, or give unattend.file");
      out.unattend = { answers: un.answers };
    } else {
      fail(".unattend", `must be { file: "<local unattend.xml>" } or { answers: "<Unattend.exe arguments>" } (leave it out when publishing to PVS or Azure), got ${show(un)}`);
    }
  }
  if (out.installTools && !out.osMachineTools) {
    fail(".installTools", "runs Setup_x64.exe from C:\\Windows\\Setup\\scripts, which osMachineTools puts there: set osMachineTools, or installTools: false");
  }

  const scripts = raw.scripts;
  if (scripts !== undefined && !isUnknown(scripts)) {
    if (!Array.isArray(scripts)) fail(".scripts", `must be a list of { name, powershell | file, phase?, timeoutMinutes? }, got ${show(scripts)}`);
    else {
      const names = new Set<string>();
      scripts.forEach((s, i) => {
        const at = `.scripts[${i}]`;
        if (!isObject(s)) return fail(at, `must be { name, powershell | file, phase?, timeoutMinutes? }, got ${show(s)}`);
        const name = typeof s.name === "string" ? s.name : "";
        if (!/^[A-Za-z0-9_-]{1,40}$/.test(name)) fail(`${at}.name`, `must be 1-40 letters, digits, - or _ (it names the step), got ${show(s.name)}`);
        if (names.has(name.toLowerCase())) fail(`${at}.name`, `"${name}" is used twice: script names must differ`);
        names.add(name.toLowerCase());
        const phase = (s.phase ?? "beforeSnapshot") as ScriptPhase;
        if (phase !== "beforeSnapshot" && phase !== "afterSnapshot") fail(`${at}.phase`, `must be "beforeSnapshot" or "afterSnapshot", got ${show(s.phase)}`);
        const hasInline = typeof s.powershell === "string" && s.powershell.trim() !== "";
        const hasFile = typeof s.file === "string" && s.file !== "";
        if (hasInline === hasFile) fail(at, "give exactly one of powershell (the script's text) or file (a local .ps1)");
        if (hasFile && !hasInline) {
          localFile(s.file as string, "file", (m) => fail(`${at}.file`, m));
          if (fs.existsSync(s.file as string) && fs.statSync(s.file as string).size > MAX_SCRIPT_BYTES) fail(`${at}.file`, `is larger than ${MAX_SCRIPT_BYTES} bytes: upload big payloads with osMachineTools`);
        }
        const t = s.timeoutMinutes;
        if (t !== undefined && (typeof t !== "number" || !(t > 0))) fail(`${at}.timeoutMinutes`, `must be a positive number of minutes, got ${show(t)}`);
        const script: PrepareScript = { name, phase, ...(hasInline ? { powershell: s.powershell as string } : { file: s.file as string }), ...(typeof t === "number" ? { timeoutMinutes: t } : {}) };
        out.scripts.push(script);
      });
    }
  }
  try {
    guestCredentials(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    fail("", `runs inside Windows through VMware Tools and needs the guest account: ${err.message}`);
  }
  return out;
}
