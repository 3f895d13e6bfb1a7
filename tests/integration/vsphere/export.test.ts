import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Writable } from "stream";
import { createAgent, streamGet } from "../../../provider/soap";
import {
  ExportError,
  InvalidPowerStateError,
  TimedoutError,
  VimClient,
  exportVm,
  findByInventoryPath,
  leaseAbort,
  powerOff,
  powerOn,
  readVm,
  resolveNfcUrl,
  retrieveProperties,
  waitForLease,
  type MoRef,
} from "../../../provider/vsphere";
import { parseDescriptor, validateForOsLayer } from "../../../provider/ovf";
import { createVm } from "../../../provider/vsphere";
import { startVcsim, type Vcsim } from "../../../sim/vcsim/launch";
import { connect, placement } from "./helpers";
import { expectVmdkOf } from "./vmdkPeer";

let sim: Vcsim;
let c: VimClient;
let vm: MoRef;
let diskFile: string;
let tmp: string;
const payload = Buffer.alloc(3 * 1024 * 1024 + 17);
/** The first export's disk as downloaded: the launcher's streamOptimized VMDK of `payload`. */
let served: Buffer;

beforeAll(async () => {
  // A 2 s lease timeout: the client renews every 500 ms; slow sinks make transfers last ~2.6 s.
  sim = await startVcsim({ leaseTimeoutSeconds: 2, leaseInitMs: 150, trace: !!process.env.VCSIM_TRACE });
  c = await connect(sim);
  vm = (await findByInventoryPath(c, "DC0/vm/DC0_H0_VM0"))!;
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) & 0xff;
  diskFile = sim.localPath((await readVm(c, vm)).disks[0].fileName!);
  fs.writeFileSync(diskFile, payload);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vsphere-export-"));
});
afterAll(async () => {
  await c?.logout();
  await sim?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const leaseState = async (lease: MoRef) => (await retrieveProperties(c, lease, ["state", "error"])).props;

/** A sink that writes slowly (ms per 16 KiB) or fails after `failAfter` bytes. */
function slowSink(delayMs: number, failAfter = Infinity): Writable {
  let n = 0;
  return new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > failAfter) return cb(new Error("disk full on the share"));
      // Slow per byte, whatever the size of the pieces it is given: delayMs per 16 KiB.
      setTimeout(cb, delayMs * Math.ceil(chunk.length / 16384));
    },
  });
}

describe("OVF export", () => {
  it("refuses a powered-on VM with InvalidPowerState", async () => {
    await powerOn(c, vm);
    await expect(exportVm(c, vm, { openDiskSink: () => fs.createWriteStream(path.join(tmp, "x")) })).rejects.toBeInstanceOf(InvalidPowerStateError);
    await powerOff(c, vm);
  });

  it("streams the disk, cross-checks GetManifest, and returns the descriptor", async () => {
    const progress: number[] = [];
    const result = await exportVm(c, vm, {
      name: "os layer source",
      description: "exported by the integration test",
      openDiskSink: (d) => fs.createWriteStream(path.join(tmp, d.name)),
      onProgress: (p) => progress.push(p.percent),
    });
    expect(result.files).toHaveLength(1);
    const f = result.files[0];
    expect(f.name).toBe("os layer source-disk-0.vmdk");
    // The disk as vSphere serves it: a streamOptimized VMDK of the disk file's bytes.
    served = fs.readFileSync(path.join(tmp, f.name));
    expectVmdkOf(path.join(tmp, f.name), payload);
    expect(f.size).toBe(served.length);
    expect(f.sha256).toBe(sha256(served));
    expect(result.manifest?.[0]).toMatchObject({ key: f.deviceId, checksumType: "sha256", checksum: f.sha256, size: served.length });
    // No SHA-1 unless asked: the manifest's SHA-256 is what is compared.
    expect(f.sha1).toBe("");
    expect(result.descriptor).toContain(`ovf:href="os layer source-disk-0.vmdk"`);
    expect(result.descriptor).toContain(`ovf:size="${served.length}"`);
    expect(result.descriptor).toContain("vmw:osType=");
    expect(result.descriptor).toContain("exported by the integration test");
    expect(progress.length).toBeGreaterThan(0);
    expect((await leaseState(result.lease)).state).toBe("done");
  });

  it("computes SHA-1 when asked, and it matches the server's manifest", async () => {
    const result = await exportVm(c, vm, { sha1: true, openDiskSink: (d) => fs.createWriteStream(path.join(tmp, `sha1-${d.name}`)) });
    const f = result.files[0];
    expect(f.sha1).toBe(createHash("sha1").update(served).digest("hex"));
    expect(result.manifest?.[0].sha1).toBe(f.sha1);
  });

  it("keeps the lease alive during a transfer longer than the lease timeout", async () => {
    const result = await exportVm(c, vm, { openDiskSink: () => slowSink(13) });
    expect(result.leaseTimeoutSeconds).toBe(2);
    expect(result.files[0]).toMatchObject({ size: served.length, sha256: sha256(served) });
  });

  it("fails with Timedout when the keep-alive is withheld and no second lease is allowed, and the lease ends in error", async () => {
    const err = await exportVm(c, vm, { openDiskSink: () => slowSink(13), progressIntervalMs: 3_600_000, leaseAttempts: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as ExportError).cause).toBeInstanceOf(TimedoutError);
    const st = await leaseState((err as ExportError).lease);
    expect(st.state).toBe("error");
  });

  it("a lease that timed out (keep-alive withheld) once the disk was whole is retaken for its manifest: no second download", async () => {
    let opened = 0;
    const result = await exportVm(c, vm, {
      openDiskSink: () => {
        opened++;
        return slowSink(13);
      },
      progressIntervalMs: 3_600_000,
    });
    expect(result.leases).toBe(2);
    expect(opened).toBe(1);
    expect(result.files[0]).toMatchObject({ size: served.length, sha256: sha256(served) });
    expect((await leaseState(result.lease)).state).toBe("done");
  });

  it("aborts the lease when the sink breaks", async () => {
    const err = await exportVm(c, vm, { openDiskSink: () => slowSink(0, 64 * 1024) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as Error).message).toMatch(/disk full on the share.*aborted/);
    const st = await leaseState((err as ExportError).lease);
    expect(st.state).toBe("error");
    expect((st.error as { fault?: { $type?: string } }).fault?.$type).toBe("SystemError");
  });

  it("stops and aborts the lease when the caller's signal fires", async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error("deployment cancelled")), 300);
    const err = await exportVm(c, vm, { openDiskSink: () => slowSink(13), signal: ctl.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as Error).message).toMatch(/deployment cancelled.*aborted/);
    expect((await leaseState((err as ExportError).lease)).state).toBe("error");
  });

  it("serves NFC downloads with Range and revokes them after Abort", async () => {
    const rv = (await c.invoke("ExportVm", vm)).children.find((x) => x.name === "returnval")!;
    const lease = { type: "HttpNfcLease", value: rv.text.trim() };
    const info = await waitForLease(c, lease);
    const d = info.deviceUrls[0];
    expect(d.url).toMatch(/^https:\/\/\*\/nfc\//);
    const url = resolveNfcUrl(d.url, c.host);
    const agent = createAgent(url, { thumbprint: d.sslThumbprint });
    try {
      // Inside the first grain: the range is the same bytes as in the full download.
      const res = await streamGet(url, { agent, headers: { Range: "bytes=70000-70199" } });
      const chunks: Buffer[] = [];
      for await (const ch of res) chunks.push(ch as Buffer);
      expect(res.statusCode).toBe(206);
      expect(Buffer.concat(chunks)).toEqual(served.subarray(70000, 70200));
      expect(d.fileSize).toBe(served.length);
      await leaseAbort(c, lease, "test done");
      await expect(streamGet(url, { agent })).rejects.toThrow(/HTTP 404/);
    } finally {
      agent.destroy();
    }
  });

  it("exports a large sparse disk with flat memory", async () => {
    await sim.sizeDisk((await readVm(c, vm)).disks[0].fileName!, 64 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    const result = await exportVm(c, vm, { openDiskSink: () => new Writable({ write: (_c, _e, cb) => cb() }) });
    // Every grain of the file is in the stream (zeros included), 64 KiB each plus its marker.
    expect(result.files[0].size).toBeGreaterThan(64 * 1024 * 1024);
    expect(result.files[0].size).toBeLessThan(64 * 1024 * 1024 * 1.01);
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it("describes a Windows OS machine so the project's OVF parser accepts it for an OS layer", async () => {
    const where = await placement(c);
    const os = await createVm(c, {
      name: "win2022 os:machine", folder: where.folder, resourcePool: where.resourcePool, datastore: where.datastore, network: where.network,
      guestId: "windows2019srv_64Guest", numCPUs: 2, numCoresPerSocket: 2, memoryMB: 8192, diskGB: 60, firmware: "bios",
    });
    const result = await exportVm(c, os, { openDiskSink: (d) => fs.createWriteStream(path.join(tmp, d.name)) });
    expect(result.files.map((f) => f.name)).toEqual(["win2022 os_machine-disk-0.vmdk"]);
    const desc = await parseDescriptor(result.descriptor);
    expect(desc.virtualSystem).toMatchObject({ osType: "windows2019srv_64Guest", firmware: "bios", cpus: 2, memoryMb: 8192 });
    expect(desc.virtualSystem.nics).toEqual([expect.objectContaining({ type: "VmxNet3", network: "VM Network" })]);
    expect(desc.virtualSystem.controllers.filter((k) => k.kind === "scsi")).toEqual([expect.objectContaining({ subtype: "lsilogicsas" })]);
    expect(desc.disks).toEqual([expect.objectContaining({ capacityBytes: 60 * 1024 ** 3, fileRef: desc.files[0].id })]);
    expect(desc.files).toEqual([expect.objectContaining({ href: "win2022 os_machine-disk-0.vmdk", size: result.files[0].size })]);
    expect(validateForOsLayer(desc, { presentFiles: new Map([[result.files[0].name, result.files[0].size]]) })).toEqual([]);
  });

  it("streams a VM's disks at the same time within one lease, each byte-exact, with one progress over all", async () => {
    const where = await placement(c);
    const two = await createVm(c, {
      name: "two-disks", folder: where.folder, resourcePool: where.resourcePool, datastore: where.datastore, network: where.network,
      guestId: "windows2019srv_64Guest", numCPUs: 1, numCoresPerSocket: 1, memoryMB: 1024, diskGB: 1, extraDisksGB: [2, 1], firmware: "bios",
    });
    const disks = (await readVm(c, two)).disks;
    expect(disks).toHaveLength(3);
    // Odd sizes, different content per disk.
    const contents = [1024 * 1024 + 1, 2 * 1024 * 1024 + 333, 77_777].map((n, k) => Buffer.from(Array.from({ length: n }, (_, i) => (i * (k + 3) + k) & 0xff)));
    disks.forEach((d, k) => fs.writeFileSync(sim.localPath(d.fileName!), contents[k]));
    let open = 0;
    let maxOpen = 0;
    const totals: number[] = [];
    const result = await exportVm(c, two, {
      parallelDisks: 2,
      // A slow sink, so that the disks overlap whatever the loopback speed.
      openDiskSink: (d) => {
        open++;
        maxOpen = Math.max(maxOpen, open);
        const chunks: Buffer[] = [];
        return new Writable({
          highWaterMark: 16 * 1024,
          write(chunk: Buffer, _e, cb) {
            chunks.push(Buffer.from(chunk));
            setTimeout(cb, 1);
          },
          final(cb) {
            open--;
            fs.writeFileSync(path.join(tmp, d.name), Buffer.concat(chunks));
            cb();
          },
        });
      },
      onProgress: (p) => totals.push(p.bytes),
    });
    expect(maxOpen).toBe(2); // bounded: 2 of the 3 disks at once
    expect(result.files.map((f) => f.name)).toEqual(["two-disks-disk-0.vmdk", "two-disks-disk-1.vmdk", "two-disks-disk-2.vmdk"]);
    result.files.forEach((f, k) => {
      const got = fs.readFileSync(path.join(tmp, f.name));
      expectVmdkOf(path.join(tmp, f.name), contents[k]);
      expect(f.size).toBe(got.length);
      expect(f.sha256).toBe(sha256(got));
    });
    // The server's manifest agrees per device key; the descriptor names every file with its size.
    for (const m of result.manifest ?? []) expect(result.files.find((f) => f.deviceId === m.key)?.sha256).toBe(m.checksum);
    expect(result.manifest).toHaveLength(3);
    for (const f of result.files) expect(result.descriptor).toContain(`ovf:href="${f.name}" ovf:id`);
    expect(totals.every((t, i) => i === 0 || t >= totals[i - 1])).toBe(true);
    expect(totals[totals.length - 1]).toBe(result.files.reduce((n, f) => n + f.size, 0));
  });
});

describe("OVF export without GetManifest (vSphere before 6.7)", () => {
  it("exports without a server manifest", async () => {
    const old = await startVcsim({ manifest: "none" });
    const oc = await connect(old);
    try {
      const ovm = (await findByInventoryPath(oc, "DC0/vm/DC0_H0_VM0"))!;
      await powerOff(oc, ovm);
      const result = await exportVm(oc, ovm, { openDiskSink: () => new Writable({ write: (_c, _e, cb) => cb() }) });
      expect(result.manifest).toBeUndefined();
      expect(result.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await oc.logout();
      await old.stop();
    }
  });
});
