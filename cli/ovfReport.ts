/** The readable form of `ovf inspect`'s report. */
import type { InspectReport } from "./ovfInspect";

const GIB = 2 ** 30;

function gb(bytes: number): string {
  // Test appliances have disks of a few MB: "0.04 GB" says less than "40 MB".
  if (bytes < GIB) return `${Math.round((bytes / 2 ** 20) * 100) / 100} MB`;
  const v = bytes / GIB;
  return `${Number.isInteger(v) ? v : v.toFixed(2)} GB`;
}

function formatFormat(format: string | undefined): string {
  if (!format) return "";
  const hash = format.lastIndexOf("#");
  return hash >= 0 ? format.slice(hash + 1) : format;
}

function guest(osType: string | undefined, description: string | undefined): string {
  if (osType) return description ? `${osType} - ${description}` : osType;
  return description ? `${description} (no vmw:osType)` : "not given";
}

export function formatInspectReport(r: InspectReport): string {
  const vs = r.descriptor.virtualSystem;
  const rows: Array<[string, string]> = [];
  rows.push(["OVF", r.path]);
  const col = r.descriptor.collection;
  if (col) rows.push(["vApp", `${col.name ?? col.id} (VirtualSystemCollection holding this one VM)`]);
  rows.push(["VM", `${vs.name ?? vs.id}${vs.hardwareVersion ? ` (${vs.hardwareVersion})` : ""}`]);
  rows.push(["Guest", guest(vs.osType, vs.osDescription)]);
  rows.push(["Firmware", vs.firmware.toUpperCase()]);
  rows.push(["CPU / memory", `${vs.cpus ?? "?"} vCPU, ${vs.memoryMb ?? "?"} MB${vs.deploymentOption ? ` (deployment option "${vs.deploymentOption}")` : ""}`]);
  rows.push(["NICs", vs.nics.map((n) => `${n.type || "(no type)"}${n.network ? ` on "${n.network}"` : ""}`).join(", ") || "none"]);
  rows.push(["Controllers", vs.controllers.map((c) => `${c.kind}${c.subtype ? ` ${c.subtype}` : ""}`).join(", ") || "none"]);
  for (const d of r.descriptor.disks) {
    const file = r.descriptor.files.find((f) => f.id === d.fileRef);
    const source = file?.href ?? (d.fileRef ? `fileRef ${d.fileRef} not in References` : "blank: no file");
    const details = [source, formatFormat(d.format)].filter(Boolean).join(", ");
    const size = d.capacityBytes === undefined ? "capacity unknown" : gb(d.capacityBytes);
    rows.push(["Disk", `${d.diskId} ${size}${details ? ` (${details})` : ""}`]);
  }
  if (r.descriptor.disks.length === 0) rows.push(["Disk", "none"]);
  for (const f of r.files) {
    const state = f.presentSize === undefined ? "MISSING" : `${f.presentSize} bytes`;
    const vmdk = f.vmdk ? `, ${f.vmdk.kind === "streamOptimized" || f.vmdk.kind === "sparse" ? `${f.vmdk.kind} VMDK${f.vmdk.capacityBytes !== undefined ? ` of ${gb(f.vmdk.capacityBytes)}` : ""}` : `${f.vmdk.kind}, not a VMDK`}` : "";
    rows.push(["File", `${f.href}${f.chunkSize ? ` (in chunks of ${f.chunkSize} bytes)` : ""}: ${state}${vmdk}${f.size !== undefined && f.presentSize !== f.size ? ` (descriptor: ${f.size} bytes)` : ""}`]);
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
