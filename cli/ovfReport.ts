/** The readable form of `ovf inspect`'s report. */
import type { InspectReport } from "./ovfInspect";

const GIB = 2 ** 30;

function gb(bytes: number): string {
  const v = bytes / GIB;
  return `${Number.isInteger(v) ? v : v.toFixed(2)} GB`;
}

function formatFormat(format: string | undefined): string {
  if (!format) return "";
  const hash = format.lastIndexOf("#");
  return hash >= 0 ? format.slice(hash + 1) : format;
}

export function formatInspectReport(r: InspectReport): string {
  const vs = r.descriptor.virtualSystem;
  const rows: Array<[string, string]> = [];
  rows.push(["OVF", r.path]);
  rows.push(["VM", `${vs.name ?? vs.id}${vs.hardwareVersion ? ` (${vs.hardwareVersion})` : ""}`]);
  rows.push(["Guest", [vs.osType ?? "not given", vs.osDescription].filter(Boolean).join(" - ")]);
  rows.push(["Firmware", vs.firmware.toUpperCase()]);
  rows.push(["CPU / memory", `${vs.cpus ?? "?"} vCPU, ${vs.memoryMb ?? "?"} MB`]);
  rows.push(["NICs", vs.nics.map((n) => `${n.type || "(no type)"}${n.network ? ` on "${n.network}"` : ""}`).join(", ") || "none"]);
  rows.push(["Controllers", vs.controllers.map((c) => `${c.kind}${c.subtype ? ` ${c.subtype}` : ""}`).join(", ") || "none"]);
  for (const d of r.descriptor.disks) {
    const file = r.descriptor.files.find((f) => f.id === d.fileRef);
    const details = [file?.href, formatFormat(d.format)].filter(Boolean).join(", ");
    rows.push(["Disk", `${d.diskId} ${gb(d.capacityBytes)}${details ? ` (${details})` : ""}`]);
  }
  if (r.descriptor.disks.length === 0) rows.push(["Disk", "none"]);
  for (const f of r.files) {
    const state = f.presentSize === undefined ? "MISSING" : `${f.presentSize} bytes`;
    rows.push(["File", `${f.href}: ${state}${f.size !== undefined && f.presentSize !== f.size ? ` (descriptor: ${f.size} bytes)` : ""}`]);
  }
  const mf = r.manifest;
  rows.push(["Manifest", mf === null ? "none" : `${mf.name}: ${mf.entries} entries (${mf.algorithms.join(", ") || "-"}), ${mf.verified ? "hashes checked" : "not checked"}`]);
  rows.push(["Max layer size", `${r.maxLayerSizeGb} GB`]);

  const width = Math.max(...rows.map(([k]) => k.length));
  let out = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n") + "\n\n";
  if (r.fit) {
    out += "Fit for an App Layering OS layer.\n";
  } else {
    out += `Not fit for an App Layering OS layer: ${r.problems.length} problem${r.problems.length === 1 ? "" : "s"}\n`;
    for (const p of r.problems) out += `  - ${p.code} at ${p.where}: ${p.message}\n`;
  }
  return out;
}
