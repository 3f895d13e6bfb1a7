import { changedKeys, isUnknown } from "../inputs";
import type { DiffResult } from "../osLayer/diff";
import type { OsMachineInputs, OsMachineOutputs } from "./types";

/** A different datacenter, template, guest OS, adoption target or home is a different VM. */
export const REPLACE_KEYS = ["name", "datacenter", "folder", "resourcePool", "datastore", "guestId", "template", "adoptInventoryPath", "firmware"] as const;
export const UPDATE_KEYS = ["network", "cpus", "memoryMb", "diskGb", "powerState", "snapshotName", "operationTimeout"] as const;

const HARDWARE: readonly string[] = ["cpus", "memoryMb", "diskGb"];

export function diffOsMachine(olds: Partial<OsMachineOutputs>, news: OsMachineInputs): DiffResult {
  const o = olds as Record<string, unknown>;
  const n = news as unknown as Record<string, unknown>;
  const replaces = changedKeys(o, n, REPLACE_KEYS.filter((k) => !(k === "guestId" && n[k] === undefined)));
  // A disk can grow in place but never shrink.
  if (news.diskGb !== undefined && !isUnknown(news.diskGb) && typeof olds.diskGb === "number" && news.diskGb < olds.diskGb) replaces.push("diskGb");
  // Hardware the program leaves unset (an adopted VM's) is not managed, so not compared.
  const managedKeys = UPDATE_KEYS.filter((k) => !(HARDWARE.includes(k) && n[k] === undefined));
  const updates = changedKeys(o, n, managedKeys).filter((k) => !replaces.includes(k));
  return {
    changes: replaces.length + updates.length > 0,
    replaces,
    // VM names are unique per folder: the old VM goes first when the new one takes its name.
    deleteBeforeReplace: replaces.length > 0 && olds.name === news.name,
  };
}
