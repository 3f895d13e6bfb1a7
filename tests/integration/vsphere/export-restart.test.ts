/**
 * A disk download broken mid-transfer (the launcher drops the connection after 1 MiB, as a reset
 * or a dead NFC stream would) is restarted within the lease; the published export is whole, and
 * when the download keeps breaking nothing is published at all. Resumable sinks continue the
 * share's file with Range where the launcher honours it (and start over where it does not); a
 * lease that dies with the download is replaced by a new one for the disks not yet whole.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { openShare, publishFolder, type Share } from "../../../provider/share";
import { ExportError, VimClient, deviceChange, diskDevice, exportVm, findByInventoryPath, powerOff, readVm, reconfigureVm, type MoRef } from "../../../provider/vsphere";
import { startVcsim, type Vcsim, type VcsimOptions } from "../../../sim/vcsim/launch";
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

async function withLauncher(resets: number | VcsimOptions, fn: (c: VimClient, vm: MoRef, sim: Vcsim) => Promise<void>): Promise<void> {
  const sim: Vcsim = await startVcsim({ nfcResetAfter: 1024 * 1024, ...(typeof resets === "number" ? { nfcResets: resets } : resets) });
  const c = await connect(sim);
  try {
    const vm = (await findByInventoryPath(c, "DC0/vm/DC0_H0_VM0"))!;
    await powerOff(c, vm);
    fs.writeFileSync(sim.localPath((await readVm(c, vm)).disks[0].fileName!), payload);
    await fn(c, vm, sim);
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

/** An export into a publication with resumable sinks (the share's file continued from `offset`), as OvfExport runs it. */
async function resumableExport(c: VimClient, vm: MoRef, folder: string, extra: Partial<Parameters<typeof exportVm>[2]> = {}) {
  const opened: Array<{ name: string; offset: number }> = [];
  const totals: number[] = [];
  let result: Awaited<ReturnType<typeof exportVm>> | undefined;
  await publishFolder(share, "", folder, async (pub) => {
    let files: Array<{ name: string; sha256: string }> = [];
    result = await exportVm(c, vm, {
      name: folder,
      resumable: true,
      openDiskSink: (d) => {
        opened.push({ name: d.name, offset: d.offset });
        return pub.createWriteStream(d.name, { sha256: () => files.find((f) => f.name === d.name)?.sha256 ?? "", start: d.offset });
      },
      onProgress: (p) => totals.push(p.bytes),
      ...extra,
    });
    files = result.files;
  });
  return { result: result!, opened, totals };
}

test("with resumable sinks and a server honouring Range, a reset continues the disk from the bytes on the share", async () => {
  await withLauncher(1, async (c, vm) => {
    const { result, opened, totals } = await resumableExport(c, vm, "resumed");
    expect(result.restarts).toEqual([expect.objectContaining({ file: "resumed-disk-0.vmdk", attempt: 1, resumedAt: 1024 * 1024 })]);
    expect(opened).toEqual([{ name: "resumed-disk-0.vmdk", offset: 0 }, { name: "resumed-disk-0.vmdk", offset: 1024 * 1024 }]);
    // Never a byte counted twice: the progress only grows, to the disk's size.
    expect(totals.every((t, i) => i === 0 || t >= totals[i - 1])).toBe(true);
    const published = path.join(tmp, "resumed", "resumed-disk-0.vmdk");
    const bytes = fs.readFileSync(published);
    expect(totals[totals.length - 1]).toBe(bytes.length);
    // The SHA-256 went on over the kept bytes: it is the whole file's, as the server's manifest says.
    expect(result.files[0]).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
    expect(result.manifest?.[0]).toMatchObject({ checksum: sha256(bytes), size: bytes.length });
    expectVmdkOf(published, payload);
  });
});

test("a server ignoring Range (it answers 200 with the whole disk): the disk starts over and is still whole", async () => {
  await withLauncher({ nfcResets: 1, nfcNoRange: true }, async (c, vm) => {
    const { result, opened, totals } = await resumableExport(c, vm, "no-range");
    expect(result.restarts).toEqual([expect.objectContaining({ attempt: 1, resumedAt: 1024 * 1024 })]);
    // Asked from 1 MiB, given the whole file: written again from its first byte, hashed afresh.
    expect(opened.map((o) => o.offset)).toEqual([0, 0]);
    const published = path.join(tmp, "no-range", "no-range-disk-0.vmdk");
    const bytes = fs.readFileSync(published);
    // The progress is taken back, then runs to the end.
    expect(totals[totals.length - 1]).toBe(bytes.length);
    expect(totals.some((t, i) => i > 0 && t < totals[i - 1])).toBe(true);
    expect(result.files[0]).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
    expect(result.manifest?.[0]).toMatchObject({ checksum: sha256(bytes), size: bytes.length });
    expectVmdkOf(published, payload);
  });
});

test("a lease that dies with the download (state error, ticket revoked): a new lease takes over, and only the disk not yet whole goes on", async () => {
  // Two disks, one at a time: the first comes whole, the second's download is cut and its lease fails with it.
  await withLauncher({ nfcResets: 1, nfcResetSkip: 1, nfcLeaseErrors: 1 }, async (c, vm, sim) => {
    const second = Buffer.from(payload.subarray(0, 2 * 1024 * 1024 + 5)).reverse();
    await addDisk(c, vm, sim, second);
    const { result, opened } = await resumableExport(c, vm, "new-lease", { parallelDisks: 1 });
    expect(result.leases).toBe(2);
    expect(result.restarts).toEqual([expect.objectContaining({ file: "new-lease-disk-1.vmdk", attempt: 0, lease: 1, resumedAt: 1024 * 1024 })]);
    expect(result.restarts[0].error).toMatch(/no longer ready/);
    // disk-0 came whole under the first lease and is not fetched again; disk-1 continues where it broke.
    expect(opened).toEqual([
      { name: "new-lease-disk-0.vmdk", offset: 0 },
      { name: "new-lease-disk-1.vmdk", offset: 0 },
      { name: "new-lease-disk-1.vmdk", offset: 1024 * 1024 },
    ]);
    const published = [0, 1].map((k) => path.join(tmp, "new-lease", `new-lease-disk-${k}.vmdk`));
    expect(result.files.map((f) => f.sha256)).toEqual(published.map((p) => sha256(fs.readFileSync(p))));
    for (const m of result.manifest ?? []) expect(result.files.find((f) => f.deviceId === m.key)?.sha256).toBe(m.checksum);
    expectVmdkOf(published[0], payload);
    expectVmdkOf(published[1], second);
  });
});

test("without new leases to take, a lease that dies fails the export and nothing is published", async () => {
  await withLauncher({ nfcResets: 1, nfcLeaseErrors: 1 }, async (c, vm) => {
    const err = await resumableExport(c, vm, "lost", { leaseAttempts: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as Error).message).toMatch(/export lease .* is no longer ready.*the export lease was aborted/);
    expect(fs.readdirSync(tmp).filter((n) => n.includes("lost"))).toEqual([]);
  });
});

/** Adds a second disk to the VM, its file filled with `content`. */
async function addDisk(c: VimClient, vm: MoRef, sim: Vcsim, content: Buffer): Promise<void> {
  const info = await readVm(c, vm);
  const sys = info.disks[0];
  await reconfigureVm(c, vm, { deviceChange: [deviceChange("add", diskDevice({ key: -1, controllerKey: sys.controllerKey!, unitNumber: 1, capacityKB: 1024 * 1024 }), "create")] });
  const added = (await readVm(c, vm)).disks[1];
  fs.writeFileSync(sim.localPath(added.fileName!), content);
}
