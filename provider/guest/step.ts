/**
 * A guest step: a program or a script (PowerShell or cmd), the files it needs uploaded, and a
 * timeout. Its hash covers what it runs and the content of every file, so a changed script or
 * file is a changed step. Where it lives in the guest is fixed here, once.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";

export type StepAction =
  | { powershell: string }
  | { cmd: string }
  | { program: string; args?: string };

export interface StepFile {
  /** Local file to upload. */
  local: string;
  /** Full guest path, e.g. C:\Windows\Setup\scripts\Setup_x64.exe. */
  guest: string;
}

export interface GuestStep {
  /** Identifier, [A-Za-z0-9_-]: names the marker and result files. */
  id: string;
  /** What the step does, for progress lines. */
  title: string;
  action: StepAction;
  files?: StepFile[];
  /** The program must end within this long, in ms. */
  timeoutMs: number;
}

/** Folder of the step runner's markers and result files in the guest. */
export const STEPS_DIR = "C:\\ProgramData\\applayering\\steps";

export function stepPaths(id: string) {
  const dir = `${STEPS_DIR}\\${id}`;
  return {
    dir,
    /** Written by the provider after the step succeeded: its hash and exit code. */
    done: `${STEPS_DIR}\\${id}.done`,
    /** Written by the provider once the program started: its hash and pid. */
    running: `${STEPS_DIR}\\${id}.run`,
    wrapper: `${dir}\\run.cmd`,
    log: `${dir}\\out.log`,
    exit: `${dir}\\exit.txt`,
  };
}

export function checkStepId(id: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new Error(`guest step id "${id}" must be 1-64 letters, digits, - or _`);
}

function fileDigest(path: string): string {
  const h = createHash("sha256");
  const fd = fs.openSync(path, "r");
  try {
    const buf = Buffer.alloc(1024 * 1024);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest("hex");
}

/** sha256 of what the step runs and of its files' content (streamed), as hex. */
export function stepHash(step: GuestStep): string {
  const h = createHash("sha256");
  h.update(JSON.stringify({ id: step.id, action: step.action }));
  for (const f of [...(step.files ?? [])].sort((a, b) => a.guest.localeCompare(b.guest))) {
    h.update(`\n${f.guest.toLowerCase()}\n${fileDigest(f.local)}`);
  }
  return h.digest("hex");
}

/** The script file's content and extension, when the step is a script. */
export function scriptOf(step: GuestStep): { ext: "ps1" | "cmd"; text: string } | undefined {
  if ("powershell" in step.action) return { ext: "ps1", text: step.action.powershell };
  if ("cmd" in step.action) return { ext: "cmd", text: `@echo off\r\n${step.action.cmd.replace(/\r?\n/g, "\r\n")}\r\n` };
  return undefined;
}

/**
 * The wrapper cmd.exe runs: the step with stdout and stderr into out.log, then its exit code
 * into exit.txt — so the result outlives the process record (Tools forget it ~5 min after its
 * end) and a host that died meanwhile. `exitcode:N:` keeps a digit from touching `>` (cmd would
 * read `3>` as a handle redirection).
 */
export function wrapperOf(step: GuestStep): string {
  const p = stepPaths(step.id);
  const s = scriptOf(step);
  let line: string;
  if (s?.ext === "ps1") line = `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File ${p.dir}\\step.ps1`;
  // A nested cmd.exe, not `call`: the same on Windows and in the simulator, and an `exit` in the script ends only it.
  else if (s?.ext === "cmd") line = `cmd.exe /c ${p.dir}\\step.cmd`;
  else {
    const a = step.action as { program: string; args?: string };
    line = `"${a.program}"${a.args ? ` ${a.args}` : ""}`;
  }
  return ["@echo off", `${line} > ${p.log} 2>&1`, `echo exitcode:%ERRORLEVEL%:> ${p.exit}`, ""].join("\r\n");
}

/** The exit code in exit.txt, or undefined when the file holds none. */
export function parseExitFile(text: string | undefined): number | undefined {
  const m = /exitcode:(-?\d+):/.exec(text ?? "");
  return m ? Number(m[1]) : undefined;
}
