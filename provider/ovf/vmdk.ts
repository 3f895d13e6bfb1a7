/**
 * What a VMDK beside a descriptor really is: its sparse extent header (VMware's Virtual Disk
 * Format 5.0) read against what the descriptor says of the disk, so a truncated or mislabelled
 * disk is found before the ELM's import fails on it. Reads two bounded ranges of the file, the
 * header (512 bytes) and the tail (1536 bytes: footer marker, footer, end-of-stream marker);
 * never the grains.
 */
import type { OvfProblem, OvfProblemCode } from "./validate";

const SECTOR = 512;
const MAGIC = 0x564d444b; // "KDMV" read little-endian
const GD_AT_END = 0xffffffffffffffffn;
const FLAG_COMPRESSED = 1 << 16;
const FLAG_MARKERS = 1 << 17;
const MARKER_FOOTER = 3;
const DEFLATE = 1;
/** How much of the file's start and end is read. */
export const VMDK_HEADER_BYTES = SECTOR;
export const VMDK_TAIL_BYTES = 3 * SECTOR;

export interface VmdkHeader {
  version: number;
  flags: number;
  capacitySectors: bigint;
  grainSectors: bigint;
  numGTEsPerGT: number;
  gdOffset: bigint;
  compressAlgorithm: number;
}

/** The header at the start of a sparse extent (or its copy, the footer), or undefined when the bytes are not one. */
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

/** Bounded ranged reads of one file. */
export interface VmdkSource {
  size: number;
  /** At most `length` bytes from `offset` (fewer only at the end of the file). */
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

export type VmdkProblemCode = Extract<OvfProblemCode, `VMDK_${string}`>;

/** What the file turned out to be, for the report. */
export type VmdkKind = "streamOptimized" | "sparse" | "descriptor" | "qcow2" | "raw";

export interface VmdkReport {
  kind: VmdkKind;
  /** From the header, when the file has one. */
  capacityBytes?: number;
  problems: OvfProblem[];
}

/** The subformat an `ovf:format` URL names (`streamOptimized`, `sparse`, …), or undefined when it names no VMDK. */
export function vmdkSubformat(format: string | undefined): string | undefined {
  const m = /vmdk\.html#(\w+)$/i.exec(format ?? "");
  return m ? m[1] : undefined;
}

/** Whether the checks apply: the descriptor says VMDK, or (no ovf:format) the file is named .vmdk. */
export function isVmdkDisk(format: string | undefined, href: string): boolean {
  return vmdkSubformat(format) !== undefined || (!format && /\.vmdk$/i.test(href));
}

const isPowerOfTwo = (n: bigint) => n > 0n && (n & (n - 1n)) === 0n;

function kindOfOther(head: Buffer): VmdkKind {
  if (head.subarray(0, 64).toString("latin1").includes("# Disk DescriptorFile")) return "descriptor";
  if (head.length >= 4 && head.readUInt32BE(0) === 0x514649fb) return "qcow2";
  return "raw";
}

/** Checks one disk file against its descriptor entry. */
export async function checkVmdk(src: VmdkSource, want: VmdkExpectation): Promise<VmdkReport> {
  const problems: OvfProblem[] = [];
  const add = (code: VmdkProblemCode, message: string) => problems.push({ code, where: want.where, message: `${want.href}: ${message}` });
  const said = vmdkSubformat(want.format) ?? "VMDK";
  const stream = /^streamOptimized$/i.test(said);
  const head = await src.read(0, Math.min(src.size, VMDK_HEADER_BYTES));
  const header = parseVmdkHeader(head);
  if (!header) {
    const kind = kindOfOther(head);
    const what = {
      descriptor: "a VMDK text descriptor, not the disk's data (the extent it names is not in the package)",
      qcow2: "a QCOW2 image",
      raw: src.size < SECTOR ? `${src.size} bytes, too short for a VMDK` : "raw disk bytes (no VMDK sparse header \"KDMV\" at its start)",
      streamOptimized: "",
      sparse: "",
    }[kind];
    const fix = stream ? "export the VM again from vSphere, or convert the disk (`qemu-img convert -O vmdk -o subformat=streamOptimized`)" : "export the VM again";
    add("VMDK_NOT_SPARSE", `the descriptor says ${said} but the file is ${what}; ${fix}`);
    return { kind, problems };
  }
  const capacityBytes = header.capacitySectors * BigInt(SECTOR);
  const compressed = (header.flags & FLAG_COMPRESSED) !== 0 && (header.flags & FLAG_MARKERS) !== 0;
  const kind: VmdkKind = compressed ? "streamOptimized" : "sparse";
  const report: VmdkReport = { kind, capacityBytes: Number(capacityBytes), problems };
  // A header that makes no sense says nothing of format or capacity: one finding, not three.
  if (header.version < 1 || header.version > 3 || !isPowerOfTwo(header.grainSectors) || header.grainSectors < 8n || header.numGTEsPerGT !== 512) {
    add("VMDK_MALFORMED", `its header (version ${header.version}, grains of ${header.grainSectors} sectors, ${header.numGTEsPerGT} entries per grain table) is not one VMDK readers take (version 1-3; a power of two of at least 8 sectors; 512 entries): the file is damaged, export again`);
    return { kind: "sparse", problems };
  }
  if (stream && (!compressed || header.compressAlgorithm !== DEFLATE)) {
    add(
      "VMDK_FORMAT_MISMATCH",
      `the descriptor says streamOptimized but the disk is a ${compressed ? `compressed VMDK of unknown algorithm ${header.compressAlgorithm}` : "sparse VMDK without compressed grains and markers (monolithicSparse)"}; the import reads it as a stream and fails: export again from vSphere, or convert it (\`qemu-img convert -O vmdk -o subformat=streamOptimized\`)`,
    );
  }
  if (want.capacityBytes !== undefined && capacityBytes !== BigInt(want.capacityBytes)) {
    add("VMDK_CAPACITY_MISMATCH", `its header says a capacity of ${capacityBytes} bytes but the descriptor says ${want.capacityBytes} (ovf:capacity); the descriptor and the disk do not belong together: export again`);
  }
  if (!compressed) return checkDirectory(header.gdOffset); // a hosted sparse extent: its directory is where the header says
  if (src.size % SECTOR !== 0) {
    add("VMDK_TRUNCATED", `${src.size} bytes is not a whole number of 512-byte sectors, which a stream always is: the file is cut short; copy it again or export again`);
    return report;
  }
  // The grain directory: a stream written front to back (vSphere) says GD_AT_END and keeps the
  // real header, with the directory's place, in a footer just before the end-of-stream marker.
  const tail = src.size >= VMDK_HEADER_BYTES + VMDK_TAIL_BYTES ? await src.read(src.size - VMDK_TAIL_BYTES, VMDK_TAIL_BYTES) : Buffer.alloc(0);
  const eos = tail.length === VMDK_TAIL_BYTES && tail.subarray(2 * SECTOR).every((x) => x === 0);
  let gdOffset = header.gdOffset;
  if (gdOffset === GD_AT_END) {
    const footer = tail.length === VMDK_TAIL_BYTES ? parseVmdkHeader(tail.subarray(SECTOR, 2 * SECTOR)) : undefined;
    const footerMarker = tail.length === VMDK_TAIL_BYTES && tail.readUInt32LE(12) === MARKER_FOOTER;
    if (!footer || !footerMarker || !eos) {
      add("VMDK_TRUNCATED", `the stream (${src.size} bytes) does not end with its footer and end-of-stream marker: the file is cut short; copy it again or export again`);
      return report;
    }
    if (footer.gdOffset === GD_AT_END || footer.capacitySectors !== header.capacitySectors) {
      add("VMDK_MALFORMED", "its footer does not give the grain directory's place or disagrees with the header on the capacity: the file is damaged, export again");
      return report;
    }
    gdOffset = footer.gdOffset;
  } else if (!eos) {
    // The directory at the front (qemu-img writes so): only a cut that ends on data shows here;
    // a cut in the zeros it ends with is the File ovf:size check's to find.
    add("VMDK_TRUNCATED", `the stream (${src.size} bytes) does not end with the end-of-stream marker: the file is cut short; copy it again or export again`);
    return report;
  }
  return checkDirectory(gdOffset);

  function checkDirectory(at: bigint): VmdkReport {
    const grains = (header!.capacitySectors + header!.grainSectors - 1n) / header!.grainSectors;
    const gdSectors = (((grains + 511n) / 512n) * 4n + 511n) / 512n;
    if (at === 0n || (at + gdSectors) * BigInt(SECTOR) > BigInt(src.size)) {
      add("VMDK_TRUNCATED", `its grain directory (sector ${at}, ${gdSectors} sectors) lies beyond the end of the file (${src.size} bytes): the file is cut short; copy it again or export again`);
    }
    return report;
  }
}
