/**
 * OsMachine.disks: the data disks beside the system disk. Read and checked here; what a change
 * means is decided here too, since check() must refuse what would destroy data. A disk is
 * added or grown in place (ReconfigVM_Task); it never shrinks and is never removed by the
 * provider, so a shorter list or a smaller size is refused with the fix.
 */
import { CheckFailure, isUnknown, show } from "../inputs";
import type { OsMachineDisk } from "./types";

/** One SCSI controller holds 16 units: 0 the system disk, 7 the controller itself. */
export const MAX_EXTRA_DISKS = 14;
/** The system disk's bounds (diskGb), in GB. */
const MIN_GB = 1;
const MAX_GB = 2040;

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads `disks` (undefined when absent); unknowns of a preview pass through untouched. */
export function checkDisks(raw: unknown, failures: CheckFailure[]): OsMachineDisk[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (isUnknown(raw)) return raw as unknown as OsMachineDisk[];
  const fail = (where: string, reason: string) => failures.push({ property: "disks", reason: `OsMachine.disks${where}: ${reason}` });
  if (!Array.isArray(raw)) {
    fail("", `must be a list such as [{ sizeGb: 20 }], got ${show(raw)}`);
    return undefined;
  }
  if (raw.length > MAX_EXTRA_DISKS) fail("", `declares ${raw.length} disks; one SCSI controller holds at most ${MAX_EXTRA_DISKS} beside the system disk: declare at most ${MAX_EXTRA_DISKS}`);
  const out: OsMachineDisk[] = [];
  raw.forEach((d, i) => {
    if (isUnknown(d)) return void out.push(d as unknown as OsMachineDisk);
    if (!isObject(d)) return fail(`[${i}]`, `must be an object such as { sizeGb: 20 }, got ${show(d)}`);
    for (const k of Object.keys(d)) if (k !== "sizeGb") fail(`[${i}].${k}`, "is not a setting of a disk; use sizeGb");
    const v = d.sizeGb;
    if (isUnknown(v)) return void out.push({ sizeGb: v as unknown as number });
    const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n) || n < MIN_GB || n > MAX_GB) {
      return fail(`[${i}].sizeGb`, `must be a whole number of GB from ${MIN_GB} to ${MAX_GB}, got ${show(v)}`);
    }
    out.push({ sizeGb: n });
  });
  return out;
}

const known = (v: unknown): v is number => typeof v === "number" && !isUnknown(v);

/**
 * What check() refuses of a change from `olds` to `news` (both as check() made them): a disk
 * left out or made smaller would lose the data on it. A replaced VM starts afresh, so `replaced`
 * lets any change through.
 */
export function refusedDiskChanges(olds: OsMachineDisk[] | undefined, news: OsMachineDisk[] | undefined, replaced: () => boolean): CheckFailure[] {
  const before = Array.isArray(olds) ? olds : [];
  if (isUnknown(news) || before.length === 0) return [];
  const after = Array.isArray(news) ? news : [];
  const out: CheckFailure[] = [];
  const fail = (where: string, reason: string) => out.push({ property: "disks", reason: `OsMachine.disks${where}: ${reason}` });
  if (after.length < before.length) {
    fail(
      "",
      `the VM has ${before.length} data disk(s) from this program and it now declares ${after.length}: the provider never removes a disk (its data would be lost). ` +
        "Keep the entries; to drop a disk, remove it from the VM in vSphere yourself, or destroy the OsMachine and declare it anew without it",
    );
  }
  after.slice(0, before.length).forEach((d, i) => {
    const was = before[i]?.sizeGb;
    if (known(was) && known(d?.sizeGb) && d.sizeGb < was) {
      fail(`[${i}].sizeGb`, `the disk is ${was} GB and disks never shrink (its data would be lost): set sizeGb to at least ${was}`);
    }
  });
  return out.length > 0 && !replaced() ? out : [];
}
