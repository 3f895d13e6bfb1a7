import { DiffResult, keyDiff } from "../diff";
import { isUnknown } from "../inputs";
import type { OsMachineInputs, OsMachineOutputs } from "./types";

/** A different datacenter, template, guest OS, adoption target or home is a different VM. */
export const REPLACE_KEYS = ["name", "datacenter", "folder", "resourcePool", "datastore", "guestId", "template", "adoptInventoryPath", "firmware"] as const;
export const UPDATE_KEYS = ["network", "cpus", "memoryMb", "diskGb", "powerState", "snapshotName", "operationTimeout"] as const;

/** Left unset on an adopted VM: then not managed, so not compared. */
const OPTIONAL_HARDWARE: readonly string[] = ["guestId", "cpus", "memoryMb", "diskGb"];

export function diffOsMachine(olds: Partial<OsMachineOutputs>, news: OsMachineInputs): DiffResult {
  const n = news as unknown as Record<string, unknown>;
  const managed = (k: string) => !(OPTIONAL_HARDWARE.includes(k) && n[k] === undefined);
  // A disk can grow in place but never shrink.
  const shrinks = news.diskGb !== undefined && !isUnknown(news.diskGb) && typeof olds.diskGb === "number" && news.diskGb < olds.diskGb;
  const d = keyDiff(olds, news, REPLACE_KEYS.filter(managed), UPDATE_KEYS.filter(managed), () => olds.name === news.name);
  if (!shrinks) return d;
  // VM names are unique per folder: the old VM goes first when the new one takes its name.
  return { changes: true, replaces: [...d.replaces, "diskGb"], deleteBeforeReplace: olds.name === news.name };
}
