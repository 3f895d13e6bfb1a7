/**
 * The pre-finalize gate: the packaging machine's layer-integrity state from UniService.exe -L
 * (LayerIntegrity.txt, keyed on Citrix's documented messages: the BlockFinalize bit layout is not
 * public, so no bit values are read) plus our own probes (registry, processes, files).
 */
import type { GuestPort } from "./port";

export const UNISERVICE = "C:\\Program Files\\Unidesk\\Uniservice\\UniService.exe";
export const INTEGRITY_LOG = "C:\\Program Files\\Unidesk\\Uniservice\\Log\\LayerIntegrity.txt";

export type BlockerKind = "runOnce" | "rebootPending" | "ngenRunning" | "msiRunning" | "bootDriverReboot" | "ngenNeeded" | "smsCfg";

export interface Blocker {
  kind: BlockerKind;
  /** What was seen (Citrix's message, or our probe's finding). */
  evidence: string;
  /** What a person does about it when the gate gives up. */
  remedy: string;
}

/** Citrix's layer-integrity warnings (docs.citrix.com, "Troubleshoot layer integrity issues"). */
const MESSAGES: [string, BlockerKind][] = [
  ["A RunOnce script is outstanding", "runOnce"],
  ["A post-installation reboot is pending", "rebootPending"],
  ["A Microsoft ngen operation is in progress in the background", "ngenRunning"],
  ["An MSI install operation is in progress", "msiRunning"],
  ["A reboot is pending to update drivers on the boot disk", "bootDriverReboot"],
  ["A Microsoft ngen operation is needed", "ngenNeeded"],
  ["Software Center Client is configured to run, but the SMSCFG.INI is still present", "smsCfg"],
];

export const REMEDY: Record<BlockerKind, string> = {
  runOnce: "reboot the packaging machine so the RunOnce entries run, or remove them from HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce",
  rebootPending: "reboot the packaging machine (CBS/Windows Update reboot pending or PendingFileRenameOperations set); if it stays after a reboot, find what re-registers it",
  ngenRunning: "wait for the .NET optimisation (ngen/mscorsvw) to finish, or run ngen.exe executeQueuedItems",
  msiRunning: "wait for the installer (msiexec, TiWorker, TrustedInstaller) to finish, or end it in the packaging machine",
  bootDriverReboot: "reboot the packaging machine to finish the boot-disk driver update",
  ngenNeeded: "run %WINDIR%\\Microsoft.NET\\Framework64\\v4.0.30319\\ngen.exe executeQueuedItems (and the Framework one)",
  smsCfg: "delete C:\\Windows\\SMSCFG.INI (an SCCM client must be reset before finalizing: add Remove-Item C:\\Windows\\SMSCFG.INI to packaging.scripts)",
};

/** Blockers a reboot clears; the gate reboots for them. */
export const REBOOT_CLEARS: ReadonlySet<BlockerKind> = new Set(["runOnce", "rebootPending", "bootDriverReboot"]);
/** Blockers that end by themselves; the gate waits for them. */
export const TRANSIENT: ReadonlySet<BlockerKind> = new Set(["ngenRunning", "msiRunning"]);

const REG = "C:\\Windows\\System32\\reg.exe";
const REG_PROBES: { key: string; value?: string; kind: BlockerKind; what: string }[] = [
  { key: "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce", kind: "runOnce", what: "HKLM RunOnce has entries" },
  { key: "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending", kind: "rebootPending", what: "CBS RebootPending is set" },
  { key: "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired", kind: "rebootPending", what: "Windows Update RebootRequired is set" },
  { key: "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager", value: "PendingFileRenameOperations", kind: "rebootPending", what: "PendingFileRenameOperations is set" },
];
const INSTALLERS = new Set(["msiexec.exe", "tiworker.exe", "trustedinstaller.exe"]);
const NGEN = new Set(["ngen.exe", "mscorsvw.exe"]);

/** Reads the integrity state: UniService.exe -L's log, then our probes; one entry per kind. */
export async function probe(port: GuestPort, timeoutMs: number): Promise<Blocker[]> {
  const found = new Map<BlockerKind, string>();
  const add = (kind: BlockerKind, evidence: string) => {
    if (!found.has(kind)) found.set(kind, evidence);
  };
  const check = await port.run("pkg-integrity", { program: UNISERVICE, args: "-L" }, timeoutMs);
  const log = (await port.readText(INTEGRITY_LOG)) ?? "";
  if (check.exitCode === 0 || log) {
    for (const line of log.split(/\r?\n/)) {
      for (const [msg, kind] of MESSAGES) if (line.includes(msg)) add(kind, line.slice(line.indexOf(msg)).trim());
    }
  }
  for (const p of REG_PROBES) {
    const r = await port.run("pkg-reg", { program: REG, args: `query "${p.key}"${p.value ? ` /v ${p.value}` : ""}` }, timeoutMs);
    // RunOnce's key exists on every Windows: only values under it count.
    const hasValue = /^\s{2,}\S.*\s(REG_\w+)/m.test(r.output);
    if (r.exitCode === 0 && (p.kind !== "runOnce" || hasValue)) add(p.kind, p.what);
  }
  for (const proc of await port.processes()) {
    if (proc.ended) continue;
    if (INSTALLERS.has(proc.name)) add("msiRunning", `${proc.name} is running`);
    if (NGEN.has(proc.name)) add("ngenRunning", `${proc.name} is running`);
  }
  if ((await port.readText("C:\\Windows\\SMSCFG.INI")) !== undefined) add("smsCfg", "C:\\Windows\\SMSCFG.INI is present");
  return [...found].map(([kind, evidence]) => ({ kind, evidence, remedy: REMEDY[kind] }));
}

export function describeBlockers(blockers: Blocker[]): string {
  return blockers.map((b) => `${b.kind} (${b.evidence}): ${b.remedy}`).join("; ");
}
