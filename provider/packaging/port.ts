/**
 * What the packaging stages need from the guest, kept small so that the guest step runner
 * (provider/guest) can stand behind it: run a command line and get its exit code and output,
 * read and write text files, list processes, reboot.
 */
export interface RunResult {
  /** undefined when the guest lost the process (a reboot or shutdown while it ran). */
  exitCode: number | undefined;
  /** stdout and stderr, as the guest's redirection wrote them (bounded). */
  output: string;
}

/** run() gave up waiting and left the program running (the version's deadline, not the step's). */
export class StillRunning extends Error {
  constructor(readonly line: string) {
    super(`still running: ${line}`);
    this.name = "StillRunning";
  }
}

export interface GuestPort {
  /** The packaging machine's VM name, for messages. */
  readonly vmName: string;
  /**
   * Runs `cmd.exe /c <line>` with its output redirected to a file; waits until it ends, at most
   * timeoutMs: then it is ended, or with `leaveRunning` left to run (StillRunning is thrown).
   */
  run(line: string, timeoutMs: number, leaveRunning?: boolean): Promise<RunResult>;
  /** Starts `cmd.exe /c <line>` and returns without waiting (Shutdown For Finalize, reboots). */
  start(line: string): Promise<void>;
  /** A text file's content, or undefined when it does not exist. */
  readText(path: string): Promise<string | undefined>;
  writeText(path: string, text: string): Promise<void>;
  /** Names (lower case) of the processes running now. */
  processes(): Promise<{ name: string; cmdLine: string; ended: boolean }[]>;
  /** Restarts Windows and waits until guest operations answer again, at most timeoutMs. */
  reboot(timeoutMs: number): Promise<void>;
  /** Waits until guest operations answer (Tools running), at most until deadline (ms since epoch). */
  waitReady(deadline: number): Promise<void>;
}
