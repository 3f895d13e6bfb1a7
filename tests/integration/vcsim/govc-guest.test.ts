// govc's guest commands against the launcher's simulated Windows guest (issue 13 point 5):
// VMware's own client of guest operations, so the model answers as ESXi's Tools do.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { startVcsim, type Vcsim } from "../../../sim/vcsim/launch";

const run = promisify(execFile);
const govcPath = path.resolve(__dirname, "../../../.tools/bin/govc");
const vm = "/DC0/vm/DC0_H0_VM0";

let sim: Vcsim;
let tmp: string;

/** Runs govc with the GOVC_* settings `applayering sim` prints, plus the guest login. */
async function govc(args: string[], login = `${sim.guestUser}:${sim.guestPassword}`): Promise<string> {
  const env = {
    ...process.env, GOVC_URL: sim.url, GOVC_USERNAME: sim.user, GOVC_PASSWORD: sim.password, GOVC_TLS_CA_CERTS: sim.caCertPath,
    GOVC_PERSIST_SESSION: "false", GOVC_GUEST_LOGIN: login, HOME: tmp,
  };
  const { stdout } = await run(govcPath, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

async function toolsRunning(): Promise<boolean> {
  const info = JSON.parse(await govc(["vm.info", "-json", vm])) as { VirtualMachines: { Guest: { ToolsRunningStatus: string } }[] };
  return info.VirtualMachines[0].Guest.ToolsRunningStatus === "guestToolsRunning";
}

/** Polls every 100 ms, at most 100 times: a bound, not a timing assertion. */
async function until(what: string, cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

beforeAll(async () => {
  if (!fs.existsSync(govcPath)) throw new Error(`govc not found at ${govcPath}; build it with scripts/build-govc.sh`);
  sim = await startVcsim({ guestToolsDelayMs: 500 });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "govc-guest-"));
  // A fresh boot: power off, on, then wait for Tools.
  await govc(["vm.power", "-off", "-force", vm]);
  expect(await toolsRunning()).toBe(false);
  await govc(["vm.power", "-on", vm]);
  await until("VMware Tools running", toolsRunning);
});
afterAll(async () => {
  await sim?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("govc guest commands against the launcher's Windows guest", () => {
  it("the ready line carries the guest account", () => {
    expect(sim.guestUser).toBe("Administrator");
    expect(sim.guestPassword.length).toBeGreaterThan(0);
    expect(sim.guestToolsDelayMs).toBe(500);
  });

  it("guest.mkdir, guest.upload, guest.download and guest.ls on C:\\ paths (any case)", async () => {
    await govc(["guest.mkdir", "-vm", vm, "-p", "C:\\Work\\In"]);
    const local = path.join(tmp, "up.txt");
    const content = "uploaded by govc\r\n".repeat(40);
    fs.writeFileSync(local, content);
    await govc(["guest.upload", "-vm", vm, local, "C:\\Work\\In\\up.txt"]);
    const back = path.join(tmp, "down.txt");
    await govc(["guest.download", "-vm", vm, "c:\\work\\in\\UP.TXT", back]);
    expect(fs.readFileSync(back, "utf8")).toBe(content);
    // govc 0.24's guest.ls has no -json; below 1 KiB it prints the size in bytes.
    const ls = await govc(["guest.ls", "-vm", vm, "C:\\Work\\In"]);
    expect(ls).toMatch(new RegExp(`^${content.length}\\s.*\\sup\\.txt$`, "m"));
    expect(await govc(["guest.ls", "-vm", vm, "C:\\WORK"])).toMatch(/\sIn\n/);
  });

  it("guest.start runs cmd.exe; guest.ps -X waits and reports its exit code; its output lands in the guest", async () => {
    const pid = (await govc(["guest.start", "-vm", vm, "C:\\Windows\\System32\\cmd.exe", "/c echo step done>C:\\Work\\out.txt&& exit /b 7"])).trim();
    expect(pid).toMatch(/^\d+$/);
    const ps = JSON.parse(await govc(["guest.ps", "-vm", vm, "-p", pid, "-X", "-json"])) as { ProcessInfo: { Pid: number; ExitCode: number; EndTime: string | null }[] };
    expect(ps.ProcessInfo).toHaveLength(1);
    expect(ps.ProcessInfo[0].ExitCode).toBe(7);
    expect(ps.ProcessInfo[0].EndTime).toBeTruthy();
    const out = path.join(tmp, "out.txt");
    await govc(["guest.download", "-vm", vm, "C:\\Work\\out.txt", out]);
    expect(fs.readFileSync(out, "utf8")).toBe("step done\r\n");
  });

  it("an unknown program under cmd.exe exits 9009, as on Windows; a missing program file is refused", async () => {
    const pid = (await govc(["guest.start", "-vm", vm, "C:\\Windows\\System32\\cmd.exe", "/c frobnicate.exe"])).trim();
    const ps = JSON.parse(await govc(["guest.ps", "-vm", vm, "-p", pid, "-X", "-json"])) as { ProcessInfo: { ExitCode: number }[] };
    expect(ps.ProcessInfo[0].ExitCode).toBe(9009);
    await expect(govc(["guest.start", "-vm", vm, "C:\\Tools\\missing.exe"])).rejects.toThrow(/FileNotFound/);
  });

  it("a wrong guest password is refused with InvalidGuestLogin", async () => {
    await expect(govc(["guest.ls", "-vm", vm, "C:\\"], `${sim.guestUser}:not-the-password`)).rejects.toThrow(/InvalidGuestLogin/);
    await expect(govc(["guest.mkdir", "-vm", vm, "C:\\Nope"], `${sim.guestUser}:not-the-password`)).rejects.toThrow(/InvalidGuestLogin/);
  });
});
