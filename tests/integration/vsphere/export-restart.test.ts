/**
 * A disk download broken mid-transfer (the launcher drops the connection after 1 MiB, as a reset
 * or a dead NFC stream would) is restarted within the lease; the published export is whole, and
 * when the download keeps breaking nothing is published at all.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { openShare, publishFolder, type Share } from "../../../provider/share";
import { ExportError, VimClient, exportVm, findByInventoryPath, powerOff, readVm, type MoRef } from "../../../provider/vsphere";
import { startVcsim, type Vcsim } from "../../../sim/vcsim/launch";
import { connect } from "./helpers";
import { expectVmdkOf } from "./vmdkPeer";

const payload = Buffer.alloc(3 * 1024 * 1024 + 4097);
for (let i = 0; i < payload.length; i++) payload[i] = (i * 131 + 7) & 0xff;
const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

let tmp: string;
let share: Share;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "export-restart-"));
  share = await openShare(tmp);
});
afterAll(async () => {
  await share?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function withLauncher(resets: number, fn: (c: VimClient, vm: MoRef) => Promise<void>): Promise<void> {
  const sim: Vcsim = await startVcsim({ nfcResets: resets, nfcResetAfter: 1024 * 1024 });
  const c = await connect(sim);
  try {
    const vm = (await findByInventoryPath(c, "DC0/vm/DC0_H0_VM0"))!;
    await powerOff(c, vm);
    fs.writeFileSync(sim.localPath((await readVm(c, vm)).disks[0].fileName!), payload);
    await fn(c, vm);
  } finally {
    await c.logout().catch(() => undefined);
    await sim.stop();
  }
}

test("one reset mid-transfer: the disk is downloaded again within the lease and the export is whole", async () => {
  await withLauncher(1, async (c, vm) => {
    let result: Awaited<ReturnType<typeof exportVm>> | undefined;
    await publishFolder(share, "", "restarted", async (pub) => {
      let files: Array<{ name: string; sha256: string }> = [];
      result = await exportVm(c, vm, { name: "r", openDiskSink: (d) => pub.createWriteStream(d.name, { sha256: () => files.find((f) => f.name === d.name)?.sha256 ?? "" }) });
      files = result.files;
    });
    expect(result!.restarts).toEqual([expect.objectContaining({ file: "r-disk-0.vmdk", attempt: 1 })]);
    // Whole: qemu-img reads the published VMDK as the disk file's bytes.
    const published = path.join(tmp, "restarted", "r-disk-0.vmdk");
    expectVmdkOf(published, payload);
    const bytes = fs.readFileSync(published);
    expect(result!.files[0]).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
    // The server's manifest (of the whole second download) agrees.
    expect(result!.manifest?.[0]).toMatchObject({ checksum: sha256(bytes), size: bytes.length });
  });
});

test("a download that keeps breaking fails the export after its attempts; nothing is published", async () => {
  await withLauncher(10, async (c, vm) => {
    const err = await publishFolder(share, "", "broken", async (pub) => {
      await exportVm(c, vm, { name: "b", diskAttempts: 2, openDiskSink: (d) => pub.createWriteStream(d.name, { sha256: () => "" }) });
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as Error).message).toMatch(/cut short|aborted|ECONNRESET|socket hang up/);
    expect(fs.readdirSync(tmp).filter((n) => n.includes("broken"))).toEqual([]);
  });
});
