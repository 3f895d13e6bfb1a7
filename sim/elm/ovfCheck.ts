/**
 * What the ELM checks when it imports an OVF from its file share: the file exists, it is an OVF it
 * can read, the disks it references are there, and the NIC is VMXNet3. Kept behind this one
 * function so it can switch to provider/ovf's validateForOsLayer when that lands.
 */
import * as path from "node:path";
import { parseDescriptor } from "../../provider/ovf";
import { SimElmError } from "./errors";
import { SimFileShare } from "./model";

/** Throws an appliance-style error when the OVF cannot be imported; no-op when the share has no reader. */
export async function checkOvfOnShare(share: SimFileShare, diskFilename: string): Promise<void> {
  if (!share.read) return;
  const rel = diskFilename.replace(/\\/g, "/").replace(/^\/+/, "");
  const where = `${share.uncPath}\\${rel.replace(/\//g, "\\")}`;
  const bytes = await share.read(rel);
  if (!bytes) {
    throw new SimElmError("ItemNotFoundCategory", "File not found", `The file '${where}' was not found on the network file share. Check the path and that the export finished.`, "", { Item: where });
  }
  if (!/\.ovf$/i.test(rel)) return;
  let desc;
  try {
    desc = await parseDescriptor(bytes.toString("utf8"));
  } catch (err) {
    throw new SimElmError("ValidationFailureCategory", "Invalid OVF", `The file '${where}' is not a valid OVF descriptor: ${err instanceof Error ? err.message : String(err)}`);
  }
  // parseDescriptor keeps a disk of unreadable capacity for the checks to report; the import refuses it.
  const unsized = desc.disks.find((d) => d.capacityIssue);
  if (unsized?.capacityIssue) {
    throw new SimElmError("ValidationFailureCategory", "Invalid OVF", `The file '${where}' is not a valid OVF descriptor: ${unsized.capacityIssue.where}: ${unsized.capacityIssue.message}`);
  }
  const dir = path.posix.dirname(rel);
  for (const f of desc.files) {
    if (/^[a-z]+:/i.test(f.href)) continue;
    const fileRel = dir === "." ? f.href : `${dir}/${f.href}`;
    const present = share.exists ? await share.exists(fileRel) : !!(await share.read(fileRel));
    if (!present) {
      throw new SimElmError("ItemNotFoundCategory", "File not found", `The disk file '${f.href}' referenced by '${where}' was not found on the network file share.`, "", { Item: f.href });
    }
  }
  const bad = desc.virtualSystem.nics.filter((n) => n.type.toLowerCase() !== "vmxnet3");
  if (bad.length > 0) {
    throw new SimElmError(
      "ValidationFailureCategory",
      "Unsupported network adapter",
      `The OS machine in '${where}' has a ${bad.map((n) => n.type || "unknown").join(", ")} network adapter. App Layering requires a VMXNet3 adapter: change the adapter type to VMXNet3, then export the OVF again.`,
    );
  }
}
