/**
 * One disk download into its sink: the copy loop, what counts as a broken transfer (which a
 * restart or a resume may cure), and whether a ranged answer really continues at the offset.
 */
import type { Readable, Writable } from "node:stream";
import { TransportError } from "../soap";
import type { BackgroundHasher } from "./hasher";

/** A download broken off; `kept`: bytes the sink holds and the hasher has hashed (when kept). */
export interface BrokenTransfer extends Error {
  brokenTransfer: true;
  kept?: number;
}

/** Marks an error as the download's own (a reset, a stall), which a restart of the disk may cure. */
export function brokenTransfer(e: unknown, kept?: number): BrokenTransfer {
  const err = e instanceof Error ? e : new Error(String(e));
  return Object.assign(err, { brokenTransfer: true as const, kept });
}

export function isBrokenTransfer(e: unknown): boolean {
  return (e instanceof Error && (e as { brokenTransfer?: boolean }).brokenTransfer === true) || e instanceof TransportError;
}

/**
 * The most bytes a disk's download may bring: what the lease announced for it or the VM's whole
 * disk capacity, whichever is larger, plus the streamOptimized format's overhead (grain markers,
 * tables, deflate's stored blocks: well under 1%) and 16 MiB. A server sending more is refused,
 * so a hostile or broken one cannot fill the share. Unbounded only if the lease gives no size.
 */
export function diskByteBound(fileSize: number | undefined, totalCapacityKB: number): number {
  const base = Math.max(fileSize ?? 0, (totalCapacityKB || 0) * 1024);
  return base > 0 ? Math.ceil(base * 1.01) + (16 << 20) : Number.MAX_SAFE_INTEGER;
}

/**
 * Whether a response to `Range: bytes=<offset>-` continues the file at that offset: 206 with a
 * Content-Range starting there. A 200 (Range ignored) or any other range is not a continuation.
 */
export function continuesAt(res: { statusCode?: number; headers: Record<string, string | string[] | undefined> }, offset: number): boolean {
  if (res.statusCode !== 206) return false;
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers["content-range"] ?? "").trim());
  return !!m && Number(m[1]) === offset && Number(m[2]) >= offset;
}

/**
 * Streams one response into its sink in one stage: each chunk (slabGet's views of its read
 * slabs, up to 1 MiB) is counted, copied once into the hasher's shared memory, and handed to the
 * sink as it is (the SMB writer sends the chunks as the pieces of its WRITEs). Backpressure from both: the response pauses
 * while the share or the hasher is behind. Resolves with the byte count once the sink finished.
 *
 * With `keep`, a download broken off (reset, cut short, aborted) ends the sink in order instead
 * of destroying it: once it has finished, the share holds exactly the bytes the hasher has seen,
 * and the rejection's `kept` says how many, so the caller may resume from there.
 */
export function copyDisk(res: Readable, sink: Writable, hasher: BackgroundHasher, onBytes: (n: number) => void, signal: AbortSignal, keep = false): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let settled = false;
    let hashWaits = 0;
    let hashing: Promise<void> = Promise.resolve();
    let sinkFull = false;
    const resume = (): void => {
      if (!settled && hashWaits === 0 && !sinkFull) res.resume();
    };
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      return true;
    };
    const fail = (e: unknown): void => {
      if (!settle()) return;
      const err = e instanceof Error ? e : new Error(String(e));
      res.destroy();
      sink.destroy(err);
      reject(err);
    };
    // The source broke off: with `keep`, let the sink write what it was given, then say how much.
    const breakOff = (e: unknown, broken: boolean): void => {
      if (!keep) return fail(broken ? brokenTransfer(e) : e);
      if (!settle()) return;
      res.destroy();
      const ended = new Promise<void>((ok, ko) => {
        sink.once("finish", ok);
        sink.once("error", ko);
      });
      hashing
        .then(() => {
          sink.end();
          return ended;
        })
        .then(
          () => reject(broken ? brokenTransfer(e, bytes) : Object.assign(e instanceof Error ? e : new Error(String(e)), { kept: bytes })),
          (sinkErr: unknown) => {
            sink.destroy();
            reject(sinkErr);
          },
        );
    };
    const onAbort = (): void => breakOff(signal.reason ?? new Error("the export was aborted"), false);
    if (signal.aborted) return fail(signal.reason ?? new Error("the export was aborted"));
    // Broken before we listened (the whole short answer came with its head): nothing was kept.
    if (res.errored) return breakOff(res.errored, (res.errored as { oversize?: boolean }).oversize !== true);
    if (res.destroyed && !res.readableEnded) return breakOff(Object.assign(new Error("the disk download was cut short (connection closed)"), { code: "ECONNRESET" }), true);
    signal.addEventListener("abort", onAbort, { once: true });
    res.on("data", (chunk: Buffer) => {
      if (settled) return;
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
        hashing = waiting.then(() => {
          hashWaits--;
          resume();
        });
        hashing.catch(fail);
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
    res.once("end", () => {
      if (!settled) sink.end();
    });
    // A body over its bound is the server's fault, not a break a restart may cure.
    res.once("error", (e) => breakOff(e, (e as { oversize?: boolean }).oversize !== true));
    // A response cut short (the connection reset) must never read as a whole disk.
    res.once("close", () => {
      if (!res.readableEnded) breakOff(Object.assign(new Error("the disk download was cut short (connection closed)"), { code: "ECONNRESET" }), true);
    });
    sink.once("error", fail);
    sink.once("finish", () => {
      if (!settle()) return;
      resolve(bytes);
    });
  });
}
