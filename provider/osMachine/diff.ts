import { DiffResult, keyDiff } from "../diff";
import { UNKNOWN, isUnknown } from "../inputs";
import { diffPrepare, type PrepareChange } from "./prepare/diff";
import { planPrepare } from "./prepare/plan";
import type { OsMachineInputs, OsMachineOutputs } from "./types";

/** A different datacenter, home, template, guest OS or adoption target is a different VM. */
export const REPLACE_KEYS = ["datacenter", "folder", "resourcePool", "datastore", "guestId", "template", "adoptInventoryPath", "firmware"] as const;
/** Converged in place: a rename, hardware (disks only grow), power, the snapshot. */
export const UPDATE_KEYS = ["name", "cpus", "memoryMb", "diskGb", "powerState", "snapshotName", "operationTimeout", "prepare"] as const;

/** Left unset on an adopted VM: then not managed, so not compared. */
const OPTIONAL: readonly string[] = ["guestId", "cpus", "memoryMb", "diskGb"];
/** An adopted VM keeps its name and firmware whatever the program says. */
const NOT_FOR_ADOPTED: readonly string[] = ["name", "firmware", "guestId"];

const same = (a: unknown, b: unknown) => isUnknown(b) || a === b;

export function diffOsMachine(olds: Partial<OsMachineOutputs>, news: OsMachineInputs): DiffResult {
  const n = news as unknown as Record<string, unknown>;
  const adopted = news.adoptInventoryPath !== undefined;
  const managed = (k: string) => !(OPTIONAL.includes(k) && n[k] === undefined) && !(adopted && NOT_FOR_ADOPTED.includes(k));
  // VM names are unique per folder: the old VM goes first when the new one takes its place.
  const collides = () => same(olds.name, news.name) && same(olds.folder, news.folder);
  const d = keyDiff(olds, news, REPLACE_KEYS.filter(managed), UPDATE_KEYS.filter(managed), collides);
  // Drift the provider repairs: a NIC that is not VMXNet3 again, the named snapshot deleted.
  const nicDrift = typeof olds.nicType === "string" && olds.nicType.split(",").some((t) => t !== "" && t !== "VirtualVmxnet3");
  const snapshotDrift = news.snapshotName !== undefined && olds.snapshotName === news.snapshotName && olds.snapshotId === "";
  const prep = prepareChange(olds, news);
  if (prep.kind === "replace") return { changes: true, replaces: [...d.replaces, "prepare"], deleteBeforeReplace: collides() };
  return nicDrift || snapshotDrift || prep.kind === "update" ? { ...d, changes: true } : d;
}

/** What the preparation's steps (their scripts' and files' hashes) mean against the record. */
export function prepareChange(olds: Partial<OsMachineOutputs>, news: OsMachineInputs): PrepareChange {
  if (!news.prepare) return { kind: "none" };
  // A value computed by another resource, unknown in preview: its steps cannot be hashed yet.
  if (JSON.stringify(news.prepare).includes(UNKNOWN)) return { kind: "update", from: "(unknown)", why: "prepare holds values not known until the update" };
  return diffPrepare(olds.prepareSteps ?? [], planPrepare(news.prepare), typeof olds.snapshotId === "string" && olds.snapshotId !== "");
}
