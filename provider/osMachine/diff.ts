import type { DiffResult } from "../diff";
import { UNKNOWN, isUnknown } from "../inputs";
import { diffPrepare, type PrepareChange } from "./prepare/diff";
import { planPrepare } from "./prepare/plan";
import { schemaDiff } from "../schema";
import { OS_MACHINE } from "./schema";
import type { OsMachineInputs, OsMachineOutputs } from "./types";

const same = (a: unknown, b: unknown) => isUnknown(b) || a === b;

export function diffOsMachine(olds: Partial<OsMachineOutputs>, news: OsMachineInputs): DiffResult {
  const adopted = news.adoptInventoryPath !== undefined;
  // Left unset on an adopted VM: then not managed, so not compared; some it keeps whatever the program says.
  const compared = (k: string) => {
    const f = OS_MACHINE[k as keyof OsMachineInputs];
    return !(f.adopted?.noDefault && news[k as keyof OsMachineInputs] === undefined) && !(adopted && f.adopted?.ignored);
  };
  // VM names are unique per folder: the old VM goes first when the new one takes its place.
  const deleteFirst = () => same(olds.name, news.name) && same(olds.folder, news.folder);
  const d = schemaDiff(OS_MACHINE, olds, news, { compared, deleteFirst });
  // Drift the provider repairs: a NIC that is not VMXNet3 again, the named snapshot deleted.
  const nicDrift = typeof olds.nicType === "string" && olds.nicType.split(",").some((t) => t !== "" && t !== "VirtualVmxnet3");
  const snapshotDrift = news.snapshotName !== undefined && olds.snapshotName === news.snapshotName && olds.snapshotId === "";
  const prep = prepareChange(olds, news);
  if (prep.kind === "replace") return { changes: true, replaces: [...d.replaces, "prepare"], deleteBeforeReplace: deleteFirst() };
  return nicDrift || snapshotDrift || prep.kind === "update" ? { ...d, changes: true } : d;
}

/** What the preparation's steps (their scripts' and files' hashes) mean against the record. */
export function prepareChange(olds: Partial<OsMachineOutputs>, news: OsMachineInputs): PrepareChange {
  if (!news.prepare) return { kind: "none" };
  // A value computed by another resource, unknown in preview: its steps cannot be hashed yet.
  if (JSON.stringify(news.prepare).includes(UNKNOWN)) return { kind: "update", from: "(unknown)", why: "prepare holds values not known until the update" };
  return diffPrepare(olds.prepareSteps ?? [], planPrepare(news.prepare), typeof olds.snapshotId === "string" && olds.snapshotId !== "");
}
