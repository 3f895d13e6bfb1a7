/** OsMachine.prepare after check(): what to do inside Windows, in the procedure's order. */
import type { StepRecord } from "../../guest";

export type ScriptPhase = "beforeSnapshot" | "afterSnapshot";

export interface PrepareScript {
  /** Names the step (`script-<name>`): letters, digits, - and _. */
  name: string;
  /** Inline PowerShell, or… */
  powershell?: string;
  /** …a local .ps1 file. */
  file?: string;
  phase: ScriptPhase;
  timeoutMinutes?: number;
}

export type OsMachineTools = { path: string } | { installer: string; args?: string };
export type Unattend = { file: string } | { answers: string };

export interface PrepareInputs {
  disableWindowsUpdate: boolean;
  osMachineTools?: OsMachineTools;
  unattend?: Unattend;
  installTools: boolean;
  scripts: PrepareScript[];
  stepTimeoutMinutes: number;
}

/** One step in the VM's record: the runner's record and the phase it belongs to. */
export interface PrepareStepRecord extends StepRecord {
  phase: ScriptPhase;
}

/** What the VM's record keeps of the preparation. */
export interface PrepareOutputs {
  /** Every step run so far, in order, with its state, exit code and the tail of its log. */
  prepareSteps: PrepareStepRecord[];
  /** Setup_x64.exe (prepare.installTools) ran to a zero exit code. */
  osMachineToolsInstalled: boolean;
}
