/**
 * OVF export of a VM: ExportVm, wait for the lease, stream each disk into a caller-supplied
 * Writable (backpressure, hashes on the fly, never buffered), renew the lease with Progress
 * well inside its timeout, cross-check GetManifest, CreateDescriptor, Complete. Any failure
 * aborts the lease.
 */
import type * as http from "node:http";
import type { Readable, Writable } from "node:stream";
import { el, streamGet, TransportError } from "../soap";
import { decodeMoRef, decodeObject, many } from "./decode";
import { BackgroundHasher } from "./hasher";
import { leaseAbort, leaseComplete, leaseManifest, leaseProgress, waitForLease, type LeaseDeviceUrl, type LeaseInfo, type ManifestEntry } from "./lease";
import { LeaseUpdater, keepAliveInterval } from "./leaseUpdater";
import { DeadlineError } from "../wait";
import { retrieveProperties } from "./properties";
import { transferTarget } from "./transfer";
import type { VimClient } from "./session";
import type { MoRef } from "./types";
import { moref } from "./wire";

export interface ExportDisk {
  /** File name inside the OVF package, e.g. `web01-disk-0.vmdk`. */
  name: string;
  /** Lease device id (OvfFile.deviceId). */
  deviceId: string;
  /** Bytes the server announced, when it did (real exports usually don't). */
  size?: number;
  /** Disk capacity share of the lease, in KiB (total over disks). */
  capacityKB: number;
}

export interface ExportProgress {
  percent: number;
  bytes: number;
  /** Estimate: announced file sizes, else disk capacity. */
  totalBytes: number;
  file: string;
}

export interface ExportVmOptions {
  /** Base name of the package files and VirtualSystem id (default: the VM's name). */
  name?: string;
  /** Where each disk's bytes go; the export waits for the stream's `finish`. */
  openDiskSink(disk: ExportDisk): Writable | Promise<Writable>;
  onProgress?(p: ExportProgress): void;
  /** Told when a disk's broken download is restarted. */
  onRestart?(r: { file: string; attempt: number; error: unknown }): void;
  /** Give up after this many milliseconds (default 4 hours). */
  timeoutMs?: number;
  /** Or at this absolute time (ms since epoch); the earlier wins. */
  deadline?: number;
  signal?: AbortSignal;
  /** Annotation written into the descriptor. */
  description?: string;
  /** OvfManager export options, e.g. ["mac", "uuid"]. */
  exportOptions?: string[];
  /** Milliseconds between Progress calls (default: a quarter of the lease timeout, at most 60 s). */
  progressIntervalMs?: number;
  /**
   * Downloads of one disk within the lease (default 3): a broken transfer (a reset, an NFC stall
   * past the idle timeout) restarts that disk from its first byte while the lease lives; the
   * share's file is rewritten, and nothing is published until every disk came whole.
   */
  diskAttempts?: number;
  /** Disks streamed at once (default 3): several NFC streams beat one, each at 20-30 MB/s in the field. */
  parallelDisks?: number;
  /**
   * Also compute each disk's SHA-1 (default false: our manifest is SHA-256, and vSphere 6.7+
   * manifests carry SHA-256). Only a server whose GetManifest gives SHA-1 alone (before 6.7)
   * needs it to compare hashes; without it such a manifest is compared by size.
   */
  sha1?: boolean;
}

export interface ExportedFile {
  name: string;
  deviceId: string;
  size: number;
  sha256: string;
  /** "" when no SHA-1 was needed (see ExportVmOptions.sha1). */
  sha1: string;
}

export interface ExportVmResult {
  /** The OVF descriptor from CreateDescriptor, referencing `files` by name and size. */
  descriptor: string;
  files: ExportedFile[];
  /** The server's manifest (GetManifest), when it offers one; already cross-checked. */
  manifest?: ManifestEntry[];
  lease: MoRef;
  leaseTimeoutSeconds: number;
  /** Disks downloaded again after a broken transfer, in order. */
  restarts: ExportRestart[];
}

export interface ExportRestart {
  file: string;
  /** The attempt that broke (1: the first download). */
  attempt: number;
  error: string;
}

/** A failure after the lease was created; the lease has been aborted (or had expired). */
export class ExportError extends Error {
  constructor(message: string, readonly lease: MoRef, override readonly cause: unknown) {
    super(message);
    this.name = "ExportError";
  }
}

/**
 * Streams one disk from the NFC response into its sink in one stage: each chunk the TLS socket
 * gives is counted, copied once into the hasher's shared memory, and handed to the sink as it is
 * (the SMB writer sends the chunks as the pieces of its WRITEs). Backpressure from both: the
 * response pauses while the share or the hasher is behind. Resolves with the byte count once
 * the sink has finished.
 */
function copyDisk(res: Readable, sink: Writable, hasher: BackgroundHasher, onBytes: (n: number) => void, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let settled = false;
    let hashWaits = 0;
    let sinkFull = false;
    const resume = (): void => {
      if (!settled && hashWaits === 0 && !sinkFull) res.resume();
    };
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      const err = e instanceof Error ? e : new Error(String(e));
      res.destroy();
      sink.destroy(err);
      reject(err);
    };
    const onAbort = (): void => fail(signal.reason ?? new Error("the export was aborted"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    res.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      onBytes(chunk.length);
      let waiting: Promise<void> | undefined;
      try {
        waiting = hasher.update(chunk);
      } catch (e) {
        return fail(e);
      }
      if (waiting) {
        hashWaits++;
        res.pause();
        waiting.then(() => {
          hashWaits--;
          resume();
        }, fail);
      }
      if (!sink.write(chunk)) {
        sinkFull = true;
        res.pause();
      }
    });
    sink.on("drain", () => {
      sinkFull = false;
      resume();
    });
    res.once("end", () => sink.end());
    res.once("error", (e) => fail(brokenTransfer(e)));
    // A response cut short (the connection reset) must never read as a whole disk.
    res.once("close", () => {
      if (!res.readableEnded) fail(brokenTransfer(Object.assign(new Error("the disk download was cut short (connection closed)"), { code: "ECONNRESET" })));
    });
    sink.once("error", fail);
    sink.once("finish", () => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      resolve(bytes);
    });
  });
}

/** Marks an error as the download's own (a reset, a stall), which a restart of the disk may cure. */
function brokenTransfer(e: unknown): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  return Object.assign(err, { brokenTransfer: true });
}

function isBrokenTransfer(e: unknown): boolean {
  return (e instanceof Error && (e as { brokenTransfer?: boolean }).brokenTransfer === true) || e instanceof TransportError;
}

/** A VM name made safe as a file name on SMB shares and local disks. */
export function packageBaseName(name: string): string {
  const safe = name.replace(/%2f/gi, "/").replace(/%5c/gi, "\\").replace(/%25/g, "%").replace(/[\\/:*?"<>|\x00-\x1f]/g, "_").trim();
  return safe.length > 0 ? safe : "vm";
}

function diskUrls(info: LeaseInfo): LeaseDeviceUrl[] {
  return info.deviceUrls.filter((d) => d.disk || /\.vmdk$/i.test(d.targetId ?? d.url));
}

/** Exports a powered-off VM's disks and descriptor. See ExportVmOptions. */
export async function exportVm(c: VimClient, vm: MoRef, opts: ExportVmOptions): Promise<ExportVmResult> {
  const started = Date.now();
  const deadline = Math.min(started + (opts.timeoutMs ?? 4 * 3600_000), opts.deadline ?? Infinity);
  const name = packageBaseName(opts.name ?? String((await retrieveProperties(c, vm, ["name"])).props.name ?? vm.value));

  const payload = await c.invoke("ExportVm", vm);
  const rv = payload.children.find((x) => x.name === "returnval");
  if (!rv) throw new Error(`ExportVm on ${vm.value} returned no lease`);
  const lease = decodeMoRef(rv);

  const abortCtl = new AbortController();
  const onOuterAbort = () => abortCtl.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const deadlineTimer = setTimeout(
    () => abortCtl.abort(new DeadlineError({ awaited: `the export of ${name}`, waitedMs: Date.now() - started, resumable: false, fix: "retry with a longer timeout" })),
    Math.min(2 ** 31 - 1, Math.max(0, deadline - Date.now())), // setTimeout's limit (24.8 days)
  );
  let keepAlive: LeaseUpdater | undefined;
  const agents: http.Agent[] = [];
  const hashers: BackgroundHasher[] = [];
  const restarts: ExportRestart[] = [];
  let step = "waiting for the export lease";
  try {
    const info = await waitForLease(c, lease, Math.max(0, deadline - Date.now()), abortCtl.signal);
    const interval = opts.progressIntervalMs ?? keepAliveInterval(info.leaseTimeoutSeconds);
    const updater = (keepAlive = new LeaseUpdater(c, lease, interval, (e) => abortCtl.abort(e)).start());

    const disks = diskUrls(info);
    const announced = disks.reduce((s, d) => s + (d.fileSize ?? 0), 0);
    const totalBytes = disks.every((d) => d.fileSize !== undefined) && announced > 0 ? announced : info.totalDiskCapacityKB * 1024;
    const sha1 = opts.sha1 ?? false;
    let done = 0;
    const files: ExportedFile[] = new Array<ExportedFile>(disks.length);
    const attempts = Math.max(1, opts.diskAttempts ?? 3);
    const exportDisk = async (i: number): Promise<void> => {
      const d = disks[i];
      const fileName = `${name}-${d.targetId ?? `disk-${i}.vmdk`}`;
      for (let attempt = 1; ; attempt++) {
        let counted = 0;
        try {
          const { url, agent, headers } = transferTarget(c, d.url, d.sslThumbprint);
          agents.push(agent);
          const res = await streamGet(url, { agent, headers, signal: abortCtl.signal, secrets: c.secrets() });
          const sink = await opts.openDiskSink({ name: fileName, deviceId: d.key, size: d.fileSize, capacityKB: info.totalDiskCapacityKB });
          const hasher = new BackgroundHasher({ sha1 });
          hashers.push(hasher);
          // One progress over all disks, whichever disk the bytes are of.
          const size = await copyDisk(res, sink, hasher, (n) => {
            counted += n;
            done += n;
            const percent = (updater.percent = totalBytes > 0 ? Math.min(99, (done * 100) / totalBytes) : 0);
            opts.onProgress?.({ percent, bytes: done, totalBytes, file: fileName });
          }, abortCtl.signal);
          files[i] = { name: fileName, deviceId: d.key, size, ...(await hasher.digest()) };
          return;
        } catch (e) {
          if (!isBrokenTransfer(e) || attempt >= attempts || abortCtl.signal.aborted || updater.error !== undefined) throw e;
          // The lease still lives (the keep-alive would have said otherwise): download the disk again.
          done -= counted;
          restarts.push({ file: fileName, attempt, error: e instanceof Error ? e.message : String(e) });
          opts.onRestart?.({ file: fileName, attempt, error: e });
        }
      }
    };
    step = disks.length === 1 ? `downloading ${name}'s disk` : `downloading ${name}'s ${disks.length} disks`;
    // Bounded concurrency: each worker takes the next disk; the first failure aborts the rest.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < disks.length && !abortCtl.signal.aborted) await exportDisk(next++);
    };
    const workers = Array.from({ length: Math.max(1, Math.min(opts.parallelDisks ?? 3, disks.length)) }, () =>
      worker().catch((e: unknown) => {
        abortCtl.abort(e);
        throw e;
      }),
    );
    const outcomes = await Promise.allSettled(workers);
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failed) throw failed.reason;
    if (updater.error !== undefined) throw updater.error;

    step = "checking the server's manifest";
    const manifest = await leaseManifest(c, lease);
    for (const m of manifest ?? []) {
      const f = files.find((x) => x.deviceId === m.key);
      if (!f) continue;
      const bad =
        (m.sha1 && f.sha1 && m.sha1 !== f.sha1) ||
        (m.checksumType === "sha256" && m.checksum && m.checksum !== f.sha256) ||
        (m.size > 0 && m.size !== f.size);
      if (bad) throw new Error(`${f.name}: the bytes received (${f.size} bytes, sha1 ${f.sha1}) differ from the server's manifest (${m.size} bytes, sha1 ${m.sha1}); retry the export`);
    }

    step = "creating the OVF descriptor";
    const descriptor = await createDescriptor(c, vm, { name, description: opts.description, exportOptions: opts.exportOptions, files });
    step = "completing the export lease";
    await updater.stop();
    await leaseProgress(c, lease, 100);
    await leaseComplete(c, lease);
    return { descriptor, files, manifest, lease, leaseTimeoutSeconds: info.leaseTimeoutSeconds, restarts };
  } catch (e) {
    void keepAlive?.stop(); // no more renewals; a report in flight need not hold up the abort
    const cause = keepAlive?.error ?? (abortCtl.signal.aborted && abortCtl.signal.reason ? abortCtl.signal.reason : e);
    await leaseAbort(c, lease, `client failed while ${step}`);
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ExportError(`exporting VM ${name} (${vm.value}) failed while ${step}: ${why}; the export lease was aborted`, lease, cause);
  } finally {
    clearTimeout(deadlineTimer);
    void keepAlive?.stop();
    opts.signal?.removeEventListener("abort", onOuterAbort);
    for (const a of agents) a.destroy();
    for (const h of hashers) h.destroy();
  }
}

/** OvfManager.CreateDescriptor for the exported files; faults listed in `error[]` are thrown. */
export async function createDescriptor(
  c: VimClient,
  vm: MoRef,
  p: { name: string; description?: string; exportOptions?: string[]; files: Array<{ name: string; deviceId: string; size: number }> },
): Promise<string> {
  const ovfManager = c.serviceContent.ovfManager;
  if (!ovfManager) throw new Error(`${c.host} has no OvfManager; OVF export needs vCenter or ESXi`);
  const cdp = el("cdp", [
    p.files.map((f) => el("ovfFiles", [el("deviceId", f.deviceId), el("path", f.name), el("size", f.size)])),
    el("name", p.name),
    p.description !== undefined ? el("description", p.description) : undefined,
    el("includeImageFiles", false),
    (p.exportOptions ?? []).map((x) => el("exportOption", x)),
  ]);
  const payload = await c.invoke("CreateDescriptor", ovfManager, [moref("obj", vm), cdp]);
  const rv = payload.children.find((x) => x.name === "returnval");
  const result = rv ? decodeObject(rv) : {};
  const errors = many(result.error);
  if (errors.length > 0) {
    const first = errors[0] as { localizedMessage?: string; fault?: { $type?: string } };
    throw new Error(`CreateDescriptor for ${vm.value} reported ${errors.length} error(s): ${first.localizedMessage || first.fault?.$type || "unknown"}`);
  }
  if (typeof result.ovfDescriptor !== "string" || !result.ovfDescriptor.includes("Envelope")) {
    throw new Error(`CreateDescriptor for ${vm.value} returned no OVF descriptor`);
  }
  return result.ovfDescriptor;
}
