/**
 * checkVmdk on disks qemu-img writes at test time: a good streamOptimized disk passes; a truncated
 * one, a capacity mismatch, raw bytes and a monolithicSparse disk labelled streamOptimized are
 * each flagged, naming the file. The launcher's own streams (GD_AT_END, footer) are checked in
 * tests/integration/vsphere/export-inspect.test.ts. Reads stay two bounded ranges.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { randomBytes } from "crypto";
import { checkVmdk, VMDK_HEADER_BYTES, VMDK_TAIL_BYTES, type VmdkSource } from "../../../provider/ovf";
import { qemuVmdk } from "./qemuVmdk";

const STREAM = "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized";
const CAPACITY = 64 * 2 ** 20;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "vmdk-check-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The file as a VmdkSource, recording each read. */
function source(file: string, reads: Array<[number, number]> = []): VmdkSource {
  const bytes = readFileSync(file);
  return {
    size: bytes.length,
    async read(offset, length) {
      reads.push([offset, length]);
      return bytes.subarray(offset, offset + length);
    },
  };
}

const want = (capacityBytes = CAPACITY, format = STREAM) => ({ href: "disk-0.vmdk", format, capacityBytes, where: "DiskSection/Disk[vmdisk1]" });
const codes = (r: { problems: Array<{ code: string }> }) => r.problems.map((p) => p.code);

describe("checkVmdk", () => {
  let good: string;
  beforeAll(() => {
    good = qemuVmdk(join(dir, "good.vmdk"), CAPACITY, { dataBytes: 3 * 2 ** 20 + 17 });
  });

  it("passes a streamOptimized disk of the descriptor's capacity, reading only its header and tail", async () => {
    const reads: Array<[number, number]> = [];
    const r = await checkVmdk(source(good, reads), want());
    expect(r.problems).toEqual([]);
    expect(r).toMatchObject({ kind: "streamOptimized", capacityBytes: CAPACITY });
    const size = statSync(good).size;
    expect(reads).toEqual([[0, VMDK_HEADER_BYTES], [size - VMDK_TAIL_BYTES, VMDK_TAIL_BYTES]]);
  });

  it("flags a disk cut short, at a sector boundary or not", async () => {
    // qemu keeps the grain directory at the front and ends its file with zeros (a cut there
    // is the File ovf:size check's to find): cut inside the grains.
    const size = statSync(good).size;
    for (const cut of [Math.floor(size / 2 / 512) * 512, size / 2 + 100]) {
      const file = join(dir, `cut-${cut}.vmdk`);
      writeFileSync(file, readFileSync(good).subarray(0, cut));
      const r = await checkVmdk(source(file), want());
      expect(codes(r)).toEqual(["VMDK_TRUNCATED"]);
      expect(r.problems[0].message).toMatch(/^disk-0\.vmdk: .*cut short; copy it again or export again/);
    }
  });

  it("flags a capacity other than the descriptor's, with both figures", async () => {
    const r = await checkVmdk(source(good), want(2 * CAPACITY));
    expect(codes(r)).toEqual(["VMDK_CAPACITY_MISMATCH"]);
    expect(r.problems[0].message).toContain(`${CAPACITY} bytes but the descriptor says ${2 * CAPACITY}`);
  });

  it("flags raw bytes labelled streamOptimized, and says how to convert them", async () => {
    const file = join(dir, "raw.vmdk");
    writeFileSync(file, randomBytes(256 * 1024));
    const r = await checkVmdk(source(file), want());
    expect(codes(r)).toEqual(["VMDK_NOT_SPARSE"]);
    expect(r.kind).toBe("raw");
    expect(r.problems[0].message).toMatch(/says streamOptimized but the file is raw disk bytes .*qemu-img convert -O vmdk -o subformat=streamOptimized/);
  });

  it("flags a monolithicSparse disk labelled streamOptimized, and passes it labelled sparse", async () => {
    const file = qemuVmdk(join(dir, "sparse.vmdk"), CAPACITY, { dataBytes: 100_000, subformat: "monolithicSparse" });
    const r = await checkVmdk(source(file), want());
    expect(codes(r)).toEqual(["VMDK_FORMAT_MISMATCH"]);
    expect(r.problems[0].message).toMatch(/monolithicSparse/);
    const labelled = await checkVmdk(source(file), want(CAPACITY, "http://www.vmware.com/interfaces/specifications/vmdk.html#sparse"));
    expect(labelled).toMatchObject({ kind: "sparse", problems: [] });
  });

  it("flags a file too short for any VMDK, and a VMDK text descriptor given as the disk", async () => {
    const tiny = join(dir, "tiny.vmdk");
    writeFileSync(tiny, "KDM");
    expect((await checkVmdk(source(tiny), want())).problems[0].message).toMatch(/3 bytes, too short for a VMDK/);
    const text = join(dir, "text.vmdk");
    writeFileSync(text, '# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\nRW 131072 FLAT "disk-flat.vmdk" 0\n');
    const r = await checkVmdk(source(text), want());
    expect(r).toMatchObject({ kind: "descriptor" });
    expect(r.problems[0].message).toMatch(/a VMDK text descriptor, not the disk's data/);
  });

  it("flags a header damaged in its grain geometry", async () => {
    const file = join(dir, "damaged.vmdk");
    const bytes = readFileSync(good);
    bytes.writeUInt32LE(100, 44); // numGTEsPerGT
    writeFileSync(file, bytes);
    expect(codes(await checkVmdk(source(file), want()))).toEqual(["VMDK_MALFORMED"]);
  });

  it("reads only what the file holds when it is shorter than a header", async () => {
    const file = join(dir, "empty.vmdk");
    writeFileSync(file, "");
    truncateSync(file, 0);
    const reads: Array<[number, number]> = [];
    expect(codes(await checkVmdk(source(file, reads), want()))).toEqual(["VMDK_NOT_SPARSE"]);
    expect(reads).toEqual([[0, 0]]);
  });
});

describe("checkVmdk on a monolithicSparse disk (grain directory where its header says)", () => {
  it("flags one cut before its grain directory", async () => {
    const file = qemuVmdk(join(dir, "sparse-cut.vmdk"), CAPACITY, { subformat: "monolithicSparse" });
    const bytes = readFileSync(file);
    const gd = Number(bytes.readBigUInt64LE(56));
    writeFileSync(file, bytes.subarray(0, gd * 512));
    const sparse = "http://www.vmware.com/interfaces/specifications/vmdk.html#sparse";
    const r = await checkVmdk(source(file), want(CAPACITY, sparse));
    expect(codes(r)).toEqual(["VMDK_TRUNCATED"]);
    expect(r.problems[0].message).toMatch(/grain directory \(sector \d+, 1 sectors\) lies beyond the end of the file/);
  });
});
