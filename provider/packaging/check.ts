/** check() of OsLayer.packaging: shapes, defaults and units, each failure naming packaging.<field>. */
import { CheckFailure, InputReader, isUnknown } from "../inputs";
import type { PackagingInputs } from "./types";

/** A script above this size is not a script but a payload: upload it with OsMachine's files instead. */
const MAX_SCRIPT_CHARS = 256 * 1024;

export function checkPackaging(raw: unknown, failures: CheckFailure[]): PackagingInputs | undefined {
  if (raw === undefined || raw === null || isUnknown(raw)) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) {
    failures.push({ property: "packaging", reason: "OsLayer.packaging: must be an object such as { scripts: [...], windowsUpdate: { maxRounds: 3 }, finalize: \"auto\" }" });
    return undefined;
  }
  const obj = raw as Record<string, unknown>;
  const sub = (name: string, value: unknown) => {
    const r = new InputReader(value && typeof value === "object" ? (value as Record<string, unknown>) : {}, `OsLayer.${name}`);
    return { r, done: () => failures.push(...r.failures.map((f) => ({ ...f, property: `${name}.${f.property}` }))) };
  };
  const top = sub("packaging", obj);
  const scripts: string[] = [];
  const rawScripts = obj.scripts;
  if (rawScripts !== undefined && rawScripts !== null && !isUnknown(rawScripts)) {
    if (!Array.isArray(rawScripts)) top.r.fail("scripts", "must be a list of PowerShell script texts, run in order");
    else
      rawScripts.forEach((s, i) => {
        if (isUnknown(s)) scripts.push(s as string);
        else if (typeof s !== "string" || s.trim() === "") top.r.fail(`scripts[${i}]`, "must be a non-empty PowerShell script text");
        else if (s.length > MAX_SCRIPT_CHARS) top.r.fail(`scripts[${i}]`, `is ${s.length} characters; keep a script under ${MAX_SCRIPT_CHARS} (put payloads on a share)`);
        else scripts.push(s);
      });
  }
  const finalize = top.r.string("finalize", { default: "auto" });
  if (finalize !== "auto" && finalize !== "manual" && !isUnknown(finalize)) top.r.fail("finalize", `must be "auto" (the provider runs Shutdown For Finalize) or "manual" (a person does), got ${JSON.stringify(finalize)}`);
  const scriptTimeout = top.r.number("scriptTimeout", { default: 60, min: 0.01, unit: "minutes" })!;
  top.done();
  let windowsUpdate: PackagingInputs["windowsUpdate"];
  if (obj.windowsUpdate !== undefined && obj.windowsUpdate !== null && obj.windowsUpdate !== false) {
    const wu = sub("packaging.windowsUpdate", obj.windowsUpdate === true ? {} : obj.windowsUpdate);
    windowsUpdate = {
      maxRounds: wu.r.number("maxRounds", { default: 5, min: 1, max: 20, integer: true, unit: "rounds" })!,
      rebootTimeout: wu.r.number("rebootTimeout", { default: 20, min: 0.01, unit: "minutes" })!,
      roundTimeout: wu.r.number("roundTimeout", { default: 90, min: 0.01, unit: "minutes" })!,
    };
    wu.done();
  }
  const g = sub("packaging.gate", obj.gate ?? {});
  const gate = { timeout: g.r.number("timeout", { default: 30, min: 0, unit: "minutes" })!, checkOnly: g.r.boolean("checkOnly", false) };
  g.done();
  const out: PackagingInputs = { scripts, scriptTimeout, finalize: finalize as "auto" | "manual", gate };
  if (windowsUpdate) out.windowsUpdate = windowsUpdate;
  return out;
}
