/** GuestPort over vSphere guest operations (provider/vsphere/guest): no WinRM, no network path to the guest. */
import { randomUUID } from "node:crypto";
import {
  GuestClient,
  GuestUnavailableError,
  guestReadiness,
  readGuestTextIfAny,
  uploadToGuest,
  waitForGuestOperations,
  isTransientGuestFault,
  faultTypeOf,
} from "../vsphere/guest";
import type { VimClient } from "../vsphere/session";
import type { MoRef } from "../vsphere/types";
import { GuestPort, RunResult, StillRunning } from "./port";

/** The provider's folder in the packaging machine: run logs and stage markers. */
export const WORK_DIR = "C:\\ProgramData\\applayering\\packaging";
const CMD = "C:\\Windows\\System32\\cmd.exe";
const MAX_OUTPUT = 1024 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function vspherePort(vim: VimClient, vm: MoRef, vmName: string, creds: { user: string; password: string }, pollMs = 500): GuestPort {
  const g = new GuestClient(vim, vm, creds, { vmName, unavailableTimeoutMs: 5 * 60_000 });
  const made = new Set<string>();
  const ensureDir = async (dir = WORK_DIR) => {
    if (!made.has(dir.toLowerCase())) await g.makeDirectory(dir, true);
    made.add(dir.toLowerCase());
  };
  const port: GuestPort = {
    vmName,
    async run(line: string, timeoutMs: number, leaveRunning = false): Promise<RunResult> {
      await ensureDir();
      const log = `${WORK_DIR}\\run-${randomUUID().slice(0, 8)}.log`;
      const pid = await g.startProgram({ programPath: CMD, arguments: `/c ${line} > "${log}" 2>&1` });
      const end = Date.now() + timeoutMs;
      for (;;) {
        let exitCode: number | undefined;
        let gone = false;
        try {
          const [p] = await g.listProcesses([pid]);
          if (!p) gone = true;
          else if (p.endTime) exitCode = p.exitCode ?? 0;
        } catch (err) {
          // The guest rebooted or shut down under the process (Shutdown For Finalize does, by design).
          if (!(err instanceof GuestUnavailableError) && !isTransientGuestFault(err) && faultTypeOf(err) !== "InvalidPowerState") throw err;
          gone = true;
        }
        if (exitCode !== undefined || gone) {
          const output = gone ? "" : ((await readGuestTextIfAny(g, log, MAX_OUTPUT).catch(() => undefined)) ?? "");
          if (!gone) await g.deleteFile(log).catch(() => undefined);
          return { exitCode, output };
        }
        if (Date.now() > end) {
          if (leaveRunning) throw new StillRunning(line);
          await g.terminateProcess(pid).catch(() => undefined);
          throw new Error(`VM ${vmName}: \`${line}\` did not end within ${Math.round(timeoutMs / 60_000)} minute(s) and was ended`);
        }
        await sleep(pollMs);
      }
    },
    async start(line: string): Promise<void> {
      await g.startProgram({ programPath: CMD, arguments: `/c ${line}` });
    },
    readText: (path) => readGuestTextIfAny(g, path, MAX_OUTPUT),
    async writeText(path, text) {
      await ensureDir(path.slice(0, path.lastIndexOf("\\")));
      await uploadToGuest(g, path, { data: text }, { overwrite: true });
    },
    async processes() {
      return (await g.listProcesses()).map((p) => ({ name: p.name.toLowerCase(), cmdLine: p.cmdLine, ended: p.endTime !== undefined }));
    },
    async reboot(timeoutMs: number) {
      await g.startProgram({ programPath: "C:\\Windows\\System32\\shutdown.exe", arguments: "/r /t 0 /d p:2:17" });
      const end = Date.now() + timeoutMs;
      // Tools go down first; only then is "ready" the rebooted Windows.
      while (Date.now() < end) {
        const r = await guestReadiness(vim, vm);
        if (r.toolsRunningStatus !== "guestToolsRunning" || !r.guestOperationsReady) break;
        await sleep(200);
      }
      await waitForGuestOperations(vim, vm, vmName, end);
    },
    async waitReady(deadline) {
      // The ELM's connector may still be powering the new machine on: off is not final here.
      while ((await guestReadiness(vim, vm)).powerState !== "poweredOn") {
        if (Date.now() >= deadline) throw new GuestUnavailableError("InvalidPowerState", `packaging machine ${vmName} stayed powered off; power it on in vSphere and run \`pulumi up\``);
        await sleep(pollMs);
      }
      await waitForGuestOperations(vim, vm, vmName, deadline);
    },
  };
  return port;
}
