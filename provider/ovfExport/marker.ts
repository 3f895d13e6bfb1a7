/**
 * A small JSON file in each export folder saying which VM content it holds. A re-run finds a
 * finished export of the same content and keeps it; delete() removes a folder only while it
 * still holds the export it wrote (a replacement may have published over it).
 */
import { randomBytes } from "node:crypto";
import type { Share } from "../share";
import type { OvfExportFile } from "./types";

export const MARKER_FILE = ".applayering-export.json";

export interface ExportMarker {
  /** Which resource owns the folder: a new one per export, and per adoption of a finished one. */
  exportId: string;
  vmMoref: string;
  changeVersion: string;
  snapshotId: string;
  files: OvfExportFile[];
  diskCapacityBytes: number;
}

export async function readMarker(share: Share, folder: string): Promise<ExportMarker | undefined> {
  try {
    const m = JSON.parse((await share.readFile(`${folder}/${MARKER_FILE}`)).toString("utf8")) as ExportMarker;
    return Array.isArray(m.files) ? m : undefined;
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT" || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

export function newExportId(): string {
  return randomBytes(8).toString("hex");
}

/** Takes over a finished export: a new owner id, so the previous owner's delete leaves it alone. */
export async function claimMarker(share: Share, folder: string, m: ExportMarker): Promise<ExportMarker> {
  const claimed = { ...m, exportId: newExportId() };
  await share.writeFile(`${folder}/${MARKER_FILE}`, JSON.stringify(claimed, null, 2));
  return claimed;
}

/** Whether every file the marker lists is on the share with its size. */
export async function filesPresent(share: Share, folder: string, m: ExportMarker): Promise<boolean> {
  for (const f of m.files) {
    const st = await share.stat(`${folder}/${f.name}`);
    if (!st || st.isDirectory || st.size !== f.size) return false;
  }
  return true;
}

export function sameFiles(a: OvfExportFile[] | undefined, b: OvfExportFile[] | undefined): boolean {
  const key = (fs: OvfExportFile[] | undefined) => JSON.stringify([...(fs ?? [])].sort((x, y) => x.name.localeCompare(y.name)).map((f) => [f.name, f.sha256]));
  return key(a) === key(b);
}
