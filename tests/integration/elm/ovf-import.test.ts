/** ImportOs from an OVF on the file share: the simulator reads the share as the appliance would. */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { ElmError } from "../../../provider/elm";
import { FAST, Rig, startRig } from "./helpers";

const FIXTURES = path.join(__dirname, "../../fixtures/ovf");

describe("ImportOs from an OVF on the file share", () => {
  let rig: Rig;
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "elmshare-"));
    for (const sub of ["good", "e1000e", "nodisk", "nosize"]) await fs.mkdir(path.join(dir, "os", sub), { recursive: true });
    await fs.copyFile(path.join(FIXTURES, "win2019-bios.ovf"), path.join(dir, "os/good/win2019.ovf"));
    await fs.copyFile(path.join(FIXTURES, "win2019-disk-0.vmdk"), path.join(dir, "os/good/win2019-disk-0.vmdk"));
    await fs.copyFile(path.join(FIXTURES, "win2019-pvscsi-e1000e.ovf"), path.join(dir, "os/e1000e/win2019.ovf"));
    await fs.copyFile(path.join(FIXTURES, "win2019-disk-0.vmdk"), path.join(dir, "os/e1000e/win2019-disk-0.vmdk"));
    await fs.copyFile(path.join(FIXTURES, "win2019-bios.ovf"), path.join(dir, "os/nodisk/win2019.ovf"));
    const bios = await fs.readFile(path.join(FIXTURES, "win2019-bios.ovf"), "utf8");
    await fs.writeFile(path.join(dir, "os/nosize/win2019.ovf"), bios.replace(/ ovf:capacity="60"/, ""));
    await fs.copyFile(path.join(FIXTURES, "win2019-disk-0.vmdk"), path.join(dir, "os/nosize/win2019-disk-0.vmdk"));
    rig = await startRig({ fileShares: [{ uncPath: "\\\\127.0.0.1\\elmshare", localDir: dir }] });
  });
  afterAll(async () => {
    await rig.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const importFrom = async (layerName: string, diskFilename: string) => {
    const share = await rig.client.findFileShare("//127.0.0.1/elmshare/");
    return rig.client.importOs({ layerName, versionName: "1.0", layerSizeMiB: 61440, fileShareId: share.id, diskFilename, sourceVolumeSize: 65536 });
  };

  it("imports a VMXNet3 OVF to a Deployable version, and browses the share", async () => {
    const share = await rig.client.findFileShare();
    expect(await rig.client.queryDirectory(share.id, "os/good")).toEqual({ directories: [], files: ["win2019-disk-0.vmdk", "win2019.ovf"] });
    const r = await importFrom("OVF OS", "os/good/win2019.ovf");
    await rig.client.waitForWorkTicket(r.workTicketId, FAST);
    const details = await rig.client.osLayerDetails(r.layer.id);
    expect(details.revisions[0]).toMatchObject({ versionName: "1.0", state: "Deployable", imported: true });
    expect(rig.sim.auditLog().at(-1)?.description).toContain("os/good/win2019.ovf");
  });

  it("rejects a missing OVF, a missing disk file and a non-VMXNet3 NIC like the appliance, creating nothing", async () => {
    const missing = await importFrom("Missing OS", "os/none/win2019.ovf").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ElmError);
    expect((missing as ElmError).isNotFound()).toBe(true);
    expect((missing as Error).message).toContain("\\\\127.0.0.1\\elmshare\\os\\none\\win2019.ovf");
    await expect(importFrom("NoDisk OS", "os/nodisk/win2019.ovf")).rejects.toMatchObject({ message: expect.stringContaining("win2019-disk-0.vmdk") });
    const nic = await importFrom("E1000 OS", "os/e1000e/win2019.ovf").catch((e: unknown) => e);
    expect((nic as Error).message).toMatch(/E1000e network adapter.*VMXNet3/);
    expect(rig.sim.layers().map((l) => l.name)).toEqual(["OVF OS"]);
  });

  it("rejects a disk without ovf:capacity as an invalid OVF (the descriptor parser only records it)", async () => {
    const bad = await importFrom("NoSize OS", "os/nosize/win2019.ovf").catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ElmError);
    expect((bad as Error).message).toMatch(/not a valid OVF descriptor: DiskSection\/Disk\[vmdisk1\]@ovf:capacity: ovf:capacity is missing/);
    expect(rig.sim.layers().map((l) => l.name)).toEqual(["OVF OS"]);
  });
});
