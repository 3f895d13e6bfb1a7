/** OsLayer.packaging: what the provider does inside a new version's packaging machine (after check()). */

export interface WindowsUpdateOptions {
  /** Install rounds at most (install, reboot, search again). */
  maxRounds: number;
  /** Minutes one reboot may take until VMware Tools answer again. */
  rebootTimeout: number;
  /** Minutes one install round may take. */
  roundTimeout: number;
}

export interface GateOptions {
  /** Minutes to wait for transient blockers (an install running, NGen work, a pending reboot) to clear. */
  timeout: number;
  /** Report the layer-integrity state and stop before Shutdown For Finalize. */
  checkOnly: boolean;
}

export interface PackagingInputs {
  /** PowerShell scripts run in the packaging machine in order, each once per version. */
  scripts: string[];
  /** Minutes one script may run. */
  scriptTimeout: number;
  /** Windows Update rounds; absent: no updates are installed. */
  windowsUpdate?: WindowsUpdateOptions;
  /** auto: the provider runs Shutdown For Finalize; manual: a person does (today's behaviour). */
  finalize: "auto" | "manual";
  gate: GateOptions;
}

/** Where a version's packaging got to; recorded in the resource's outputs and as marker files in the guest. */
export interface PackagingProgress {
  /** scripts, windowsUpdate, gate, finalize, done (or "" before the machine exists). */
  stage: string;
  /** KB numbers installed in this version, in install order. */
  updates: string[];
}
