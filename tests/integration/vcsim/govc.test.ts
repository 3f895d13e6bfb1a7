// govc, VMware's own CLI (built from Debian's govmomi source by scripts/build-govc.sh), as a
// second client of the launcher's vSphere: what a user's own tooling sees, not only ours.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { VimClient, exportVm, findByInventoryPath, powerOff, readVm } from "../../../provider/vsphere";
import { startVcsim, type Vcsim } from "../../../sim/vcsim/launch";
import { connect } from "../vsphere/helpers";

const run = promisify(execFile);
const govcPath = path.resolve(__dirname, "../../../.tools/bin/govc");

let sim: Vcsim;
let c: VimClient;
let tmp: string;

/** Runs govc against the launcher with the GOVC_* settings `applayering sim` prints. */
async function govc(args: string[], password = sim.password): Promise<string> {
  const env = { ...process.env, GOVC_URL: sim.url, GOVC_USERNAME: sim.user, GOVC_PASSWORD: password, GOVC_TLS_CA_CERTS: sim.caCertPath, GOVC_PERSIST_SESSION: "false", HOME: tmp };
  const { stdout } = await run(govcPath, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

beforeAll(async () => {
  if (!fs.existsSync(govcPath)) throw new Error(`govc not found at ${govcPath}; build it with scripts/build-govc.sh`);
  sim = await startVcsim();
  c = await connect(sim);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "govc-"));
});
afterAll(async () => {
  await c?.logout();
  await sim?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe("govc against the launcher", () => {
  it("about: the launcher answers as a vCenter, over TLS verified with its CA", async () => {
    expect(await govc(["about"])).toMatch(/VMware vCenter Server/);
  });

  it("ls and find: the session cookie (sent back unquoted by govc) keeps the session", async () => {
    expect((await govc(["ls"])).split("\n")).toEqual(expect.arrayContaining(["/DC0/vm", "/DC0/datastore"]));
    const vms = (await govc(["find", "/", "-type", "m"])).trim().split("\n");
    expect(vms).toContain("/DC0/vm/DC0_H0_VM0");
  });

  it("vm.info -json reads the VM our client reads", async () => {
    const info = JSON.parse(await govc(["vm.info", "-json", "/DC0/vm/DC0_H0_VM0"])) as {
      VirtualMachines: { Config: { Uuid: string; InstanceUuid: string } }[];
    };
    const vm = (await findByInventoryPath(c, "DC0/vm/DC0_H0_VM0"))!;
    const ours = await readVm(c, vm);
    expect(info.VirtualMachines[0].Config.InstanceUuid).toBe(ours.instanceUuid);
  });

  it("export.ovf writes a descriptor and the disk of a powered-off VM", async () => {
    const vm = (await findByInventoryPath(c, "DC0/vm/DC0_H0_VM0"))!;
    await powerOff(c, vm).catch(() => undefined);
    const out = path.join(tmp, "govc-export");
    await govc(["export.ovf", "-vm", "/DC0/vm/DC0_H0_VM0", out]);
    const files = fs.readdirSync(path.join(out, "DC0_H0_VM0"));
    expect(files.some((f) => f.endsWith(".ovf"))).toBe(true);
    expect(files.some((f) => f.endsWith(".vmdk"))).toBe(true);
  });

  it("import.spec reads an OVF that our exporter wrote", async () => {
    const vm = (await findByInventoryPath(c, "DC0/vm/DC0_H0_VM0"))!;
    await powerOff(c, vm).catch(() => undefined);
    const dir = path.join(tmp, "ours");
    fs.mkdirSync(dir);
    const result = await exportVm(c, vm, { name: "os-layer-src", description: "exported by pulumi-applayering", openDiskSink: (d) => fs.createWriteStream(path.join(dir, d.name)) });
    const ovf = path.join(dir, "os-layer-src.ovf");
    fs.writeFileSync(ovf, result.descriptor);
    const spec = JSON.parse(await govc(["import.spec", ovf])) as { Annotation: string; NetworkMapping?: { Name: string }[] };
    // import.spec leaves Name to the user; what it read from the descriptor shows here.
    expect(spec.Annotation).toBe("exported by pulumi-applayering");
    expect((spec.NetworkMapping ?? []).length).toBeGreaterThan(0);
  });

  it("a wrong password is refused", async () => {
    await expect(govc(["ls"], "Wr0ng-Password")).rejects.toMatchObject({ stderr: expect.stringMatching(/Login failure|incorrect user name or password|InvalidLogin/i) });
  });
});

describe("applayering sim prints govc's settings", () => {
  it("govc ls works with the GOVC_* block of the sim's JSON line", async () => {
    const { spawn } = await import("child_process");
    const cli = path.resolve(__dirname, "../../../dist/cli/main.js");
    const child = spawn(process.execPath, [cli, "sim"], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes("\n")) resolve(out.split("\n")[0]);
        });
        child.once("exit", (code) => reject(new Error(`applayering sim exited ${code} before printing`)));
      });
      const printed = JSON.parse(line) as { govc: Record<string, string>; vsphere: { guest: { user: string; password: string } } };
      expect(Object.keys(printed.govc).sort()).toEqual(["GOVC_DATACENTER", "GOVC_GUEST_LOGIN", "GOVC_PASSWORD", "GOVC_TLS_CA_CERTS", "GOVC_URL", "GOVC_USERNAME"]);
      expect(printed.vsphere.guest.user).toBe("Administrator");
      expect(printed.govc.GOVC_GUEST_LOGIN).toBe(`${printed.vsphere.guest.user}:${printed.vsphere.guest.password}`);
      const env = { ...process.env, ...printed.govc, GOVC_PERSIST_SESSION: "false", HOME: tmp };
      const { stdout } = await run(govcPath, ["ls", "vm"], { env, timeout: 60_000 });
      expect(stdout).toMatch(/\/DC0\/vm\//);
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGINT");
      await exited;
    }
  });
});
