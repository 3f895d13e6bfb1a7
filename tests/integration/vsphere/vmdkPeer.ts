/**
 * qemu-img as the judge of an exported disk: the launcher serves streamOptimized VMDKs, so an
 * export is byte-exact when qemu-img reads the downloaded VMDK as the raw bytes the test put into
 * the VM's disk file (the rest of the capacity zeros).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { qemuImg } from "../../unit/ovf/qemuVmdk";

export function expectVmdkOf(vmdk: string, raw: Buffer): void {
  const info = JSON.parse(qemuImg("info", "--output=json", vmdk)) as { format: string; "format-specific"?: { data?: { "create-type"?: string } } };
  expect({ format: info.format, createType: info["format-specific"]?.data?.["create-type"] }).toEqual({ format: "vmdk", createType: "streamOptimized" });
  qemuImg("check", vmdk);
  const rawFile = path.join(path.dirname(vmdk), `${path.basename(vmdk)}.expected.raw`);
  fs.writeFileSync(rawFile, raw);
  try {
    // Exit 0: the same content (a longer image's extra area must be zeros); 1: they differ.
    execFileSync("qemu-img", ["compare", "-f", "vmdk", "-F", "raw", vmdk, rawFile], { stdio: "pipe" });
  } finally {
    fs.rmSync(rawFile, { force: true });
  }
}
