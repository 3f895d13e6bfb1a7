/**
 * VMDKs made at test time by qemu-img (Debian's qemu-utils; scripts/dev.sh installs it): disks
 * written by a tool nobody here wrote, so the header checks are not only checked against our own
 * writer. Nothing binary is committed.
 */
import { execFileSync } from "child_process";
import { randomFillSync } from "crypto";
import { closeSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from "fs";

export const GIB = 2 ** 30;

export function qemuImg(...args: string[]): string {
  try {
    return execFileSync("qemu-img", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new Error("qemu-img not found: install the Debian package qemu-utils (scripts/dev.sh does)", { cause: err });
    throw err;
  }
}

/**
 * A VMDK of `capacity` bytes whose first `dataBytes` are random, by `qemu-img convert` from a
 * sparse raw file (subformat streamOptimized, or monolithicSparse for a mislabelled one).
 */
export function qemuVmdk(file: string, capacity: number, opts: { dataBytes?: number; subformat?: "streamOptimized" | "monolithicSparse" } = {}): string {
  const raw = `${file}.raw`;
  const fd = openSync(raw, "w");
  try {
    const data = randomFillSync(Buffer.alloc(opts.dataBytes ?? 0));
    if (data.length) writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
  truncateSync(raw, capacity);
  try {
    qemuImg("convert", "-f", "raw", "-O", "vmdk", "-o", `subformat=${opts.subformat ?? "streamOptimized"}`, raw, file);
  } finally {
    rmSync(raw, { force: true });
  }
  return file;
}

/** Copies an OVF descriptor, with the File ovf:size set to what `disk` holds now. */
export function descriptorFor(fixture: string, target: string, disk: string): void {
  const size = statSync(disk).size;
  writeFileSync(target, readFileSync(fixture, "utf8").replace(/ovf:size="\d+"/, `ovf:size="${size}"`));
}
