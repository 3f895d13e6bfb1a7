/**
 * OVF export of a VM: ExportVm, wait for the lease, stream each disk into a caller-supplied
 * Writable (backpressure, hashes on the fly, never buffered), renew the lease with Progress
 * well inside its timeout, cross-check GetManifest, CreateDescriptor, Complete. Any failure
 * aborts the lease.
 */
import type { Writable } from "node:stream";
import { el, HttpError, slabGet } from "../soap";
import { brokenTransfer, continuesAt, copyDisk, diskByteBound, isBrokenTransfer } from "./diskCopy";
import { decodeMoRef, decodeObject, many } from "./decode";
import { BackgroundHasher } from "./hasher";
import { leaseAbort, leaseComplete, leaseManifest, leaseProgress, waitForLease, type LeaseDeviceUrl, type LeaseInfo, type ManifestEntry } from "./lease";
import { LeaseUpdater, keepAliveInterval } from "./leaseUpdater";
import { DeadlineError } from "../wait";
import { retrieveProperties } from "./properties";
import { transferEndpoint } from "./transfer";
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
  /**
   * 0: a new file. More (only with ExportVmOptions.resumable): continue the file written by the
   * disk's broken attempt from this byte, keeping the bytes before it.
   */
  offset: number;
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
  /**
   * Told when a disk's broken download is restarted (`resumeAt` 0) or resumed from a byte;
   * `newLease`: under a new lease, the old one having died (attempt 0 then).
   */
  onRestart?(r: { file: string; attempt: number; error: unknown; newLease: boolean; resumeAt: number }): void;
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
  /**
   * Leases to try (default 3): when a lease dies under a broken download (expired, or in state
   * error), it is aborted and the disks not yet whole go on under a new ExportVm lease. A lease
   * aborted on purpose (RequestCanceled: an admin's HttpNfcLeaseAbort) fails the export instead.
   */
  leaseAttempts?: number;
  /**
   * The sinks honour ExportDisk.offset (default false): a broken download's sink is then ended in
   * order, keeping what it was given, and the disk resumes from there with `Range` where the
   * server answers 206 at that offset (the SHA-256 continues in-process over the same bytes);
   * where it does not, the disk starts again from its first byte.
   */
  resumable?: boolean;
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
  /** Disks downloaded again (or resumed) after a broken transfer, in order. */
  restarts: ExportRestart[];
  /** ExportVm leases taken (more than 1 when a lease died under a download). */
  leases: number;
}

export interface ExportRestart {
  file: string;
  /** The attempt that broke (1: the first download); 0: the lease died (a new one follows). */
  attempt: number;
  /** The lease it broke under (1: the first). */
  lease: number;
  error: string;
  /** The byte the next attempt asks to continue from (0: from the start; a server ignoring Range starts it over). */
  resumedAt: number;
}

/** A failure after the lease was created; the lease has been aborted (or had expired). */
export class ExportError extends Error {
  constructor(message: string, readonly lease: MoRef, override readonly cause: unknown) {
    super(message);
    this.name = "ExportError";
  }
}

/** A VM name made safe as a file name on SMB shares and local disks. */
export function packageBaseName(name: string): string {
  const safe = name.replace(/%2f/gi, "/").replace(/%5c/gi, "\\").replace(/%25/g, "%").replace(/[\\/:*?"<>|\x00-\x1f]/g, "_").trim();
  return safe.length > 0 ? safe : "vm";
}

function diskUrls(info: LeaseInfo): LeaseDeviceUrl[] {
  return info.deviceUrls.filter((d) => d.disk || /\.vmdk$/i.test(d.targetId ?? d.url));
}

/** The lease died under the download (expired, or in state error): the disks left go under a new one. */
class LeaseLost extends Error {
  constructor(readonly lease: MoRef, override readonly cause: unknown) {
    super(`export lease ${lease.value} is no longer ready: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Whether the lease still serves downloads (read again: the keep-alive may not have run yet), or
 * died (expired, failed), or was aborted on purpose (RequestCanceled: an admin or another client
 * called HttpNfcLeaseAbort), which a new lease must not override.
 */
async function leaseStatus(c: VimClient, lease: MoRef): Promise<"ready" | "lost" | "aborted"> {
  try {
    const p = (await retrieveProperties(c, lease, ["state", "error"])).props;
    if (p.state === "ready") return "ready";
    // The fault's type where the server sends it; vcsim drops it, leaving the abort's message.
    return /RequestCanceled|\baborted\b/i.test(JSON.stringify(p.error ?? "")) ? "aborted" : "lost";
  } catch {
    return "lost"; // gone (ManagedObjectNotFound) or unreadable: not one to download from
  }
}

/** One disk across attempts and leases: what is on the share (and hashed) so far. */
interface DiskState {
  index: number;
  /** The device key, the same in every lease of the VM. */
  key: string;
  fileName: string;
  file?: ExportedFile;
  /** Bytes of this disk counted in the progress. */
  counted: number;
  /** Bytes on the share that `hasher` has hashed, in order: where a resume continues. */
  kept: number;
  hasher?: BackgroundHasher;
}

/** Exports a powered-off VM's disks and descriptor. See ExportVmOptions. */
export async function exportVm(c: VimClient, vm: MoRef, opts: ExportVmOptions): Promise<ExportVmResult> {
  const started = Date.now();
  const deadline = Math.min(started + (opts.timeoutMs ?? 4 * 3600_000), opts.deadline ?? Infinity);
  const name = packageBaseName(opts.name ?? String((await retrieveProperties(c, vm, ["name"])).props.name ?? vm.value));
  const outer = new AbortController();
  const onOuterAbort = () => outer.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const deadlineTimer = setTimeout(
    () => outer.abort(new DeadlineError({ awaited: `the export of ${name}`, waitedMs: Date.now() - started, resumable: false, fix: "retry with a longer timeout" })),
    Math.min(2 ** 31 - 1, Math.max(0, deadline - Date.now())), // setTimeout's limit (24.8 days)
  );
  const run: ExportRun = { c, vm, opts, name, deadline, outer: outer.signal, disks: [], restarts: [], done: 0, leases: 0 };
  try {
    for (let leaseNo = 1; ; leaseNo++) {
      try {
        return await underLease(run);
      } catch (e) {
        if (!(e instanceof LeaseLost) || leaseNo >= Math.max(1, opts.leaseAttempts ?? 3) || outer.signal.aborted) {
          if (e instanceof LeaseLost) throw new ExportError(`exporting VM ${name} (${vm.value}) failed: ${e.message}; the export lease was aborted`, e.lease, e.cause);
          throw e;
        }
        // Disks already whole stay; the others continue (or start again) under a new lease.
        for (const d of run.disks.filter((x) => !x.file)) {
          const resumeAt = opts.resumable && run.rangeHonoured !== false ? d.kept : 0;
          run.restarts.push({ file: d.fileName, attempt: 0, lease: leaseNo, error: e.message, resumedAt: resumeAt });
          opts.onRestart?.({ file: d.fileName, attempt: 0, error: e, newLease: true, resumeAt });
        }
      }
    }
  } finally {
    clearTimeout(deadlineTimer);
    opts.signal?.removeEventListener("abort", onOuterAbort);
    for (const d of run.disks) d.hasher?.destroy();
  }
}

interface ExportRun {
  c: VimClient;
  vm: MoRef;
  opts: ExportVmOptions;
  name: string;
  deadline: number;
  /** The caller's signal and the deadline: no new lease after it. */
  outer: AbortSignal;
  disks: DiskState[];
  restarts: ExportRestart[];
  /** Bytes over all disks, for the one progress. */
  done: number;
  leases: number;
  /** false once the server answered a ranged GET with the whole file (or another range). */
  rangeHonoured?: boolean;
}

/**
 * One lease: ExportVm, the disks not yet whole (bounded concurrency, each restarted or resumed
 * while the lease lives), then the manifest check, the descriptor and Complete. A lease that dies
 * under a download is aborted and reported as LeaseLost, with every disk's progress kept in `run`.
 */
async function underLease(run: ExportRun): Promise<ExportVmResult> {
  const { c, vm, opts, name } = run;
  const payload = await c.invoke("ExportVm", vm);
  const rv = payload.children.find((x) => x.name === "returnval");
  if (!rv) throw new Error(`ExportVm on ${vm.value} returned no lease`);
  const lease = decodeMoRef(rv);
  run.leases++;

  const abortCtl = new AbortController();
  const onOuter = () => abortCtl.abort(run.outer.reason);
  if (run.outer.aborted) onOuter();
  run.outer.addEventListener("abort", onOuter, { once: true });
  let keepAlive: LeaseUpdater | undefined;
  let step = "waiting for the export lease";
  try {
    const info = await waitForLease(c, lease, Math.max(0, run.deadline - Date.now()), abortCtl.signal);
    const interval = opts.progressIntervalMs ?? keepAliveInterval(info.leaseTimeoutSeconds);
    const updater = (keepAlive = new LeaseUpdater(c, lease, interval, (e) => abortCtl.abort(e)).start());

    const urls = diskUrls(info);
    if (run.disks.length === 0) {
      run.disks = urls.map((d, i) => ({ index: i, key: d.key, fileName: `${name}-${d.targetId ?? `disk-${i}.vmdk`}`, counted: 0, kept: 0 }));
    }
    const urlOf = (d: DiskState): LeaseDeviceUrl => {
      const u = urls.find((x) => x.key === d.key);
      if (!u) throw new Error(`the new export lease of ${name} has no disk ${d.key} (the first had it): the VM's disks changed during the export; retry it`);
      return u;
    };
    const announced = urls.reduce((s, d) => s + (d.fileSize ?? 0), 0);
    const totalBytes = urls.every((d) => d.fileSize !== undefined) && announced > 0 ? announced : info.totalDiskCapacityKB * 1024;
    const sha1 = opts.sha1 ?? false;
    const attempts = Math.max(1, opts.diskAttempts ?? 3);
    const keep = opts.resumable === true;

    const exportDisk = async (d: DiskState): Promise<void> => {
      const u = urlOf(d);
      for (let attempt = 1; ; attempt++) {
        let from = 0;
        try {
          const { url, tls, headers } = transferEndpoint(c, u.url, u.sslThumbprint);
          const offset = keep && run.rangeHonoured !== false && d.kept > 0 ? d.kept : 0;
          const res = await slabGet(url, {
            tls,
            headers: offset > 0 ? { ...headers, Range: `bytes=${offset}-` } : headers,
            signal: abortCtl.signal,
            secrets: c.secrets(),
            maxBytes: diskByteBound(u.fileSize, info.totalDiskCapacityKB) - offset,
            // copyDisk hands the chunks to the hasher (which copies them) and the sink only.
            lend: true,
          });
          if (offset > 0 && continuesAt(res, offset)) {
            from = offset;
            run.rangeHonoured = true;
          } else if (offset > 0 && res.statusCode !== 200) {
            // Some other range than asked: not a continuation, and not the whole file either.
            res.destroy();
            run.rangeHonoured = false;
            throw brokenTransfer(new Error(`the server answered a download from byte ${offset} with HTTP ${res.statusCode} ${String(res.headers["content-range"] ?? "")}`));
          } else if (offset > 0) {
            run.rangeHonoured = false; // Range ignored: the whole disk again, from its first byte
          }
          if (from === 0) {
            // From the first byte: a fresh hash, the progress of earlier attempts taken back.
            if (d.counted > 0) {
              run.done -= d.counted;
              d.counted = 0;
              opts.onProgress?.({ percent: updater.percent = totalBytes > 0 ? Math.min(99, (run.done * 100) / totalBytes) : 0, bytes: run.done, totalBytes, file: d.fileName });
            }
            d.kept = 0;
            d.hasher?.destroy();
            d.hasher = undefined;
          }
          const hasher = (d.hasher ??= new BackgroundHasher({ sha1 }));
          const sink = await opts.openDiskSink({ name: d.fileName, deviceId: d.key, size: u.fileSize, capacityKB: info.totalDiskCapacityKB, offset: from });
          // One progress over all disks, whichever disk the bytes are of.
          const size = await copyDisk(res, sink, hasher, (n) => {
            d.counted += n;
            run.done += n;
            const percent = (updater.percent = totalBytes > 0 ? Math.min(99, (run.done * 100) / totalBytes) : 0);
            opts.onProgress?.({ percent, bytes: run.done, totalBytes, file: d.fileName });
          }, abortCtl.signal, keep);
          d.file = { name: d.fileName, deviceId: d.key, size: from + size, ...(await hasher.digest()) };
          d.hasher = undefined;
          return;
        } catch (e) {
          const kept = (e as { kept?: unknown }).kept;
          if (keep && typeof kept === "number") d.kept = from + kept;
          if (abortCtl.signal.aborted) throw e;
          const transfer = isBrokenTransfer(e) || e instanceof HttpError;
          const status = transfer ? await leaseStatus(c, lease) : "ready";
          if (status === "lost") throw new LeaseLost(lease, e);
          if (status === "aborted") throw e;
          if (!isBrokenTransfer(e) || attempt >= attempts || updater.error !== undefined) throw e;
          // The lease still lives: download the disk again, or continue it where the share's copy ends.
          const resumeAt = keep && run.rangeHonoured !== false ? d.kept : 0;
          run.restarts.push({ file: d.fileName, attempt, lease: run.leases, error: e instanceof Error ? e.message : String(e), resumedAt: resumeAt });
          opts.onRestart?.({ file: d.fileName, attempt, error: e, newLease: false, resumeAt });
        }
      }
    };
    const todo = run.disks.filter((d) => !d.file);
    step = todo.length === 1 ? `downloading ${name}'s disk` : `downloading ${name}'s ${todo.length} disks`;
    // Bounded concurrency: each worker takes the next disk; the first failure aborts the rest.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < todo.length && !abortCtl.signal.aborted) await exportDisk(todo[next++]);
    };
    const workers = Array.from({ length: Math.max(1, Math.min(opts.parallelDisks ?? 3, todo.length)) }, () =>
      worker().catch((e: unknown) => {
        abortCtl.abort(e);
        throw e;
      }),
    );
    const outcomes = await Promise.allSettled(workers);
    const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected").map((o) => o.reason as unknown);
    const lost = failures.find((f) => f instanceof LeaseLost);
    if (lost) throw lost;
    if (failures.length > 0) throw failures[0];
    if (updater.error !== undefined) throw updater.error;
    const files = run.disks.map((d) => d.file!);

    // Once the disks are whole, a lease that dies (expired, errored; not aborted by an admin) is
    // one more a new lease may cure: its manifest and Complete are asked again, no disk is.
    const orLeaseLost = async <T>(p: Promise<T>): Promise<T> => {
      try {
        return await p;
      } catch (e) {
        if (!run.outer.aborted && (await leaseStatus(c, lease)) === "lost") throw new LeaseLost(lease, e);
        throw e;
      }
    };
    step = "checking the server's manifest";
    const manifest = await orLeaseLost(leaseManifest(c, lease));
    for (const m of manifest ?? []) {
      const f = files.find((x) => x.deviceId === m.key);
      if (!f) continue;
      const bad =
        (m.sha1 && f.sha1 && m.sha1 !== f.sha1) ||
        (m.checksumType === "sha256" && m.checksum && m.checksum !== f.sha256) ||
        (m.size > 0 && m.size !== f.size);
      if (bad) throw new Error(`${f.name}: the bytes received (${f.size} bytes, sha256 ${f.sha256}) differ from the server's manifest (${m.size} bytes, ${m.checksum || m.sha1}); retry the export`);
    }

    step = "creating the OVF descriptor";
    const descriptor = await createDescriptor(c, vm, { name, description: opts.description, exportOptions: opts.exportOptions, files });
    step = "completing the export lease";
    await updater.stop();
    await orLeaseLost(leaseProgress(c, lease, 100));
    await orLeaseLost(leaseComplete(c, lease));
    return { descriptor, files, manifest, lease, leaseTimeoutSeconds: info.leaseTimeoutSeconds, restarts: run.restarts, leases: run.leases };
  } catch (e) {
    void keepAlive?.stop(); // no more renewals; a report in flight need not hold up the abort
    await leaseAbort(c, lease, `client failed while ${step}`);
    // The keep-alive's failure (the lease expired or errored) is one a new lease may cure too.
    const updaterError = keepAlive?.error;
    if (e instanceof LeaseLost) throw e;
    if (updaterError !== undefined && !run.outer.aborted && (await leaseStatus(c, lease)) === "lost") throw new LeaseLost(lease, updaterError);
    const cause = updaterError ?? (abortCtl.signal.aborted && abortCtl.signal.reason ? abortCtl.signal.reason : e);
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ExportError(`exporting VM ${name} (${vm.value}) failed while ${step}: ${why}; the export lease was aborted`, lease, cause);
  } finally {
    void keepAlive?.stop();
    run.outer.removeEventListener("abort", onOuter);
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
