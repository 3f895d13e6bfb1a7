// Our guest operations client (provider/vsphere/guest) against the launcher's simulated Windows guest.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Writable } from "stream";
import { VimClient, mustFind, powerOff, powerOn, type MoRef } from "../../../provider/vsphere";
import {
  GuestClient,
  GuestLoginError,
  GuestPermissionError,
  GuestUnavailableError,
  downloadFromGuest,
  readGuestText,
  readGuestTextIfAny,
  uploadToGuest,
  waitForGuestOperations,
} from "../../../provider/vsphere/guest";
import { guestControl } from "../../../sim/vcsim/guestControl";
import { startVcsim, type Vcsim } from "../../../sim/vcsim/launch";
import { connect } from "./helpers";
import { explain } from "../../../provider/errorHints";

const VM_NAME = "DC0_H0_VM0";
let sim: Vcsim;
let vim: VimClient;
let vm: MoRef;
let guest: GuestClient;
let tmp: string;

beforeAll(async () => {
  sim = await startVcsim({ guestToolsDelayMs: 300 });
  vim = await connect(sim);
  vm = await mustFind(vim, `DC0/vm/${VM_NAME}`, "VM");
  await powerOff(vim, vm);
  await powerOn(vim, vm);
  guest = new GuestClient(vim, vm, { user: sim.guestUser, password: sim.guestPassword }, { vmName: VM_NAME, unavailableTimeoutMs: 30_000 });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "guest-client-"));
});
afterAll(async () => {
  await vim?.logout();
  await sim?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function waitEnd(pid: number): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const [p] = await guest.listProcesses([pid]);
    if (p?.exitCode !== undefined && p.endTime) return p.exitCode;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pid ${pid} did not end`);
}

describe("guest operations client", () => {
  it("waits for Tools after power-on, then validates the account", async () => {
    await waitForGuestOperations(vim, vm, VM_NAME, Date.now() + 30_000);
    await guest.validateCredentials();
  });

  it("makes folders, uploads (streamed from a file), downloads, creates temporary files and deletes", async () => {
    await guest.makeDirectory("C:\\Work\\A\\B");
    await guest.makeDirectory("C:\\Work\\A\\B"); // already there: fine
    const local = path.join(tmp, "big.bin");
    const block = Buffer.alloc(64 * 1024, 7);
    const fd = fs.openSync(local, "w");
    for (let i = 0; i < 48; i++) fs.writeSync(fd, block); // 3 MiB
    fs.closeSync(fd);
    await uploadToGuest(guest, "C:\\Work\\A\\B\\big.bin", { file: local });
    let n = 0;
    const sink = new Writable({ write: (c: Buffer, _e, cb) => ((n += c.length), cb()) });
    expect(await downloadFromGuest(guest, "c:\\work\\a\\b\\BIG.BIN", sink, 8 * 1024 * 1024)).toBe(3 * 1024 * 1024);
    expect(n).toBe(3 * 1024 * 1024);
    // The cap is checked against the size Tools report, before a byte is read.
    await expect(downloadFromGuest(guest, "C:\\Work\\A\\B\\big.bin", sink, 1024)).rejects.toThrow(/more than the 1024 bytes read back/);
    const t = await guest.createTemporaryFile("ap", ".tmp");
    expect(t).toMatch(/^C:\\.*ap.*\.tmp$/i);
    expect(await guest.deleteFile(t)).toBe(true);
    expect(await guest.deleteFile(t)).toBe(false);
    expect(await guest.deleteDirectory("C:\\Work\\A")).toBe(true);
    expect(await readGuestTextIfAny(guest, "C:\\Work\\A\\B\\big.bin")).toBeUndefined();
  });

  it("starts a program whose output and exit code land in guest files; the process list reports its exit code and end", async () => {
    await guest.makeDirectory("C:\\Work");
    const pid = await guest.startProgram({ programPath: "C:\\Windows\\System32\\cmd.exe", arguments: "/c echo hello>C:\\Work\\out.txt&& exit /b 3" });
    expect(await waitEnd(pid)).toBe(3);
    const [p] = await guest.listProcesses([pid]);
    expect(p.endTime).toBeTruthy();
    expect(await readGuestText(guest, "C:\\Work\\out.txt")).toBe("hello\r\n");
  });

  it("a wrong password: a clear error naming the settings, without the password", async () => {
    const wrong = "Wrong-Secret-42";
    const bad = new GuestClient(vim, vm, { user: sim.guestUser, password: wrong }, { vmName: VM_NAME });
    const err = await bad.validateCredentials().catch((e: unknown) => explain(e));
    expect(err).toBeInstanceOf(GuestLoginError);
    expect((err as Error).message).toBe(
      "validating the guest account in VM DC0_H0_VM0: Windows refused the guest account (InvalidGuestLogin); " +
        "set the guest account of the OS machine in applayering:guestUser / applayering:guestPassword (APPLAYERING_GUEST_USER / APPLAYERING_GUEST_PASSWORD)",
    );
    expect(JSON.stringify(err) + String(err) + (err as Error).stack).not.toContain(wrong);
  });

  it("permission denied (a folder under a file): a clear error naming the account setting", async () => {
    await uploadToGuest(guest, "C:\\Work\\plain.txt", { data: "x" });
    const err = await guest.makeDirectory("C:\\Work\\plain.txt\\sub").catch((e: unknown) => explain(e));
    expect(err).toBeInstanceOf(GuestPermissionError);
    expect((err as Error).message).toMatch(/GuestPermissionDenied.*applayering:guestUser.*a local administrator account/);
  });

  it("Tools not running: calls retry until the deadline, then say what to check", async () => {
    await guestControl(sim, VM_NAME, "tools-stop");
    try {
      const short = new GuestClient(vim, vm, { user: sim.guestUser, password: sim.guestPassword }, { vmName: VM_NAME, unavailableTimeoutMs: 1500 });
      const err = await short.validateCredentials().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GuestUnavailableError);
      expect((err as Error).message).toMatch(/guest operations stayed unavailable for 2 s .*VMware Tools/);
      const wait = await waitForGuestOperations(vim, vm, VM_NAME, Date.now() + 1000).catch((e: unknown) => e);
      expect((wait as Error).message).toMatch(/VMware Tools were not ready .*toolsRunningStatus guestToolsNotRunning/);
    } finally {
      await guestControl(sim, VM_NAME, "tools-start");
    }
  });

  it("a call made while Tools restart (a reboot) succeeds once they are back", async () => {
    await guestControl(sim, VM_NAME, "reboot");
    await guest.validateCredentials(); // retried through GuestOperationsUnavailable
    const pid = await guest.startProgram({ programPath: "C:\\Windows\\System32\\cmd.exe", arguments: "/c exit 0" });
    expect(await waitEnd(pid)).toBe(0);
  });
});
