/**
 * What a VMDK beside a descriptor really is: its sparse header (VMware's Virtual Disk Format 5.0,
 * "hosted sparse extent") read against what the descriptor says of the disk, so a truncated or
 * mislabelled disk is found before the ELM's import fails on it. Reads through a small ranged
 * reader, a few KiB plus the grain directory and tables (bounded), never the grains themselves.
 */
import type { OvfProblem } from "./validate";

const SECTOR = 512;
const MAGIC = 0x564d444b; // "KDMV" read little-endian
const GD_AT_END = 0xffffffffffffffffn;
const FLAG_COMPRESSED = 1 << 16;
const FLAG_MARKERS = 1 << 17;
/** Grain tables read at most: a 2 TB disk of 64 KiB grains has 65536; beyond that, trust the header. */
const MAX_GRAIN_TABLES = 65536;

export interface VmdkHeader {
  version: number;
  flags: number;
  capacitySectors: bigint;
  grainSectors: bigint;
  numGTEsPerGT: number;
  gdOffset: bigint;
  compressAlgorithm: number;
}

/** The header at the start of a sparse extent, or undefined when the bytes are not one. */
export function parseVmdkHeader(b: Buffer): VmdkHeader | undefined {
  if (b.length < 79 || b.readUInt32LE(0) !== MAGIC) return undefined;
  return {
    version: b.readUInt32LE(4),
    flags: b.readUInt32LE(8),
    capacitySectors: b.readBigUInt64LE(12),
    grainSectors: b.readBigUInt64LE(20),
    numGTEsPerGT: b.readUInt32LE(44),
    gdOffset: b.readBigUInt64LE(56),
    compressAlgorithm: b.readUInt16LE(77),
  };
}

/** Ranged reads of one file. */
export interface VmdkSource {
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

export interface VmdkExpectation {
  /** The file's name, for messages. */
  href: string;
  /** What `ovf:format` says, e.g. `...vmdk.html#streamOptimized`. */
  format?: string;
  /** The disk's capacity from the descriptor, in bytes. */
  capacityBytes?: number;
  /** Where in the descriptor, for the finding. */
  where: string;
}

export type VmdkProblemCode = "VMDK_NOT_SPARSE" | "VMDK_FORMAT_MISMATCH" | "VMDK_CAPACITY_MISMATCH" | "VMDK_MALFORMED" | "VMDK_TRUNCATED";

export interface VmdkReport {
  /** Absent when the file holds no sparse header. */
  header?: VmdkHeader;
  problems: OvfProblem[];
}

const isPowerOfTwo = (n: bigint) => n > 0n && (n & (n - 1n)) === 0n;

/** Checks one disk file against its descriptor entry. */
export async function checkVmdk(src: VmdkSource, want: VmdkExpectation): Promise<VmdkReport> {
  const problems: VmdkReport["problems"] = [];
  const add = (code: VmdkProblemCode, message: string) => problems.push({ code, where: want.where, message: `${want.href}: ${message}` });
  const streamOptimized = /#streamOptimized$/i.test(want.format ?? "");
  const labelledVmdk = /vmdk/i.test(want.format ?? "") || /\.vmdk$/i.test(want.href);
  const header = parseVmdkHeader(await src.read(0, Math.min(src.size, SECTOR)));
  if (!header) {
    if (labelledVmdk) add("VMDK_NOT_SPARSE", `no VMDK sparse header (KDMV) at its start${src.size < SECTOR ? ` (the file is ${src.size} bytes)` : ""}: it holds raw or other bytes although the descriptor says ${want.format ?? "VMDK"}; export the VM again`);
    return { problems };
  }
  if (streamOptimized && ((header.flags & FLAG_COMPRESSED) === 0 || (header.flags & FLAG_MARKERS) === 0 || header.compressAlgorithm !== 1)) {
    add("VMDK_FORMAT_MISMATCH", "the descriptor says streamOptimized but the disk is a sparse VMDK without compressed grains and markers; export again, or convert it (e.g. `qemu-img convert -O vmdk -o subformat=streamOptimized`)");
  }
  const capacity = header.capacitySectors * BigInt(SECTOR);
  if (want.capacityBytes !== undefined && capacity !== BigInt(want.capacityBytes)) {
    add("VMDK_CAPACITY_MISMATCH", `its header says ${capacity} bytes but the descriptor says ${want.capacityBytes}; export again (the descriptor and disk are from different exports)`);
  }
  if (!isPowerOfTwo(header.grainSectors) || header.grainSectors < 8n || header.grainSectors > 2048n || header.numGTEsPerGT !== 512) {
    add("VMDK_MALFORMED", `a grain of ${header.grainSectors} sectors or ${header.numGTEsPerGT} entries per grain table is not what VMware writes (8 to 2048 sectors, a power of two; 512 entries); export again`);
    return { header, problems };
  }

  // Where the grain directory is: in the header, or for a stream written front to back, in the
  // footer (a copy of the header) just before the end-of-stream marker.
  let gdOffset = header.gdOffset;
  if (gdOffset === GD_AT_END) {
    const tail = src.size >= 3 * SECTOR ? await src.read(src.size - 3 * SECTOR, 3 * SECTOR) : Buffer.alloc(0);
    const footer = tail.length ? parseVmdkHeader(tail.subarray(SECTOR, 2 * SECTOR)) : undefined;
    const eos = tail.length ? tail.subarray(2 * SECTOR) : undefined;
    if (!footer || !eos || eos.some((x) => x !== 0) || footer.gdOffset === GD_AT_END) {
      add("VMDK_TRUNCATED", `the stream ends without its footer and end-of-stream marker (${src.size} bytes): the file is cut short; copy or export it again`);
      return { header, problems };
    }
    gdOffset = footer.gdOffset;
  }
  const sizeSectors = BigInt(Math.floor(src.size / SECTOR));
  const grains = (header.capacitySectors + header.grainSectors - 1n) / header.grainSectors;
  const tables = Number((grains + 511n) / 512n);
  if (gdOffset === 0n || gdOffset + BigInt(Math.ceil((tables * 4) / SECTOR)) > sizeSectors) {
    add("VMDK_TRUNCATED", `its grain directory (sector ${gdOffset}) lies beyond the end of the file (${src.size} bytes): the file is cut short; copy or export it again`);
    return { header, problems };
  }
  if (tables > MAX_GRAIN_TABLES) return { header, problems };
  const gd = await src.read(Number(gdOffset) * SECTOR, tables * 4);
  // Every grain the tables point at must lie inside the file: a cut-off copy loses the last ones.
  let furthest = 0n;
  let gtBeyond = false;
  for (let i = 0; i < tables; i++) {
    const gt = BigInt(gd.readUInt32LE(i * 4));
    if (gt === 0n) continue;
    if (gt + 4n > sizeSectors) {
      gtBeyond = true;
      break;
    }
    const entries = await src.read(Number(gt) * SECTOR, 512 * 4);
    for (let j = 0; j < 512; j++) {
      const g = BigInt(entries.readUInt32LE(j * 4));
      if (g > furthest) furthest = g;
    }
  }
  if (gtBeyond || furthest >= sizeSectors) {
    add("VMDK_TRUNCATED", `its grain tables point beyond the end of the file (${src.size} bytes): the file is cut short; copy or export it again`);
  }
  return { header, problems };
}
