import { createHash } from "crypto";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { Readable } from "stream";
import {
  formatManifest,
  hashStream,
  ManifestFormatError,
  parseManifest,
  verifyManifest,
} from "../../../provider/ovf";
import { fixture, GANETI } from "./fixtures";

const open = (dir: string) => (name: string) => createReadStream(join(dir, name));

describe("formatManifest / parseManifest", () => {
  const a = "a".repeat(64);
  const b = "0123456789ABCDEF".repeat(4);

  it("writes vSphere's SHA256 line format, LF-terminated, in order", () => {
    expect(formatManifest([{ name: "win-disk-0.vmdk", sha256: a }, { name: "win.ovf", sha256: b }])).toBe(
      `SHA256(win-disk-0.vmdk)= ${a}\nSHA256(win.ovf)= ${b.toLowerCase()}\n`,
    );
  });

  it("refuses digests that are not SHA-256 and names with folders", () => {
    expect(() => formatManifest([{ name: "x.vmdk", sha256: "abc" }])).toThrow(ManifestFormatError);
    expect(() => formatManifest([{ name: "../x.vmdk", sha256: a }])).toThrow(/plain file name/);
  });

  it("round-trips and reads SHA1/SHA512 lines, CRLF and blank lines", () => {
    const text = `SHA1(x.ovf)= ${"1".repeat(40)}\r\n\r\nSHA512(x-disk-0.vmdk)=${"F".repeat(128)}\r\n` + formatManifest([{ name: "y.vmdk", sha256: a }]);
    expect(parseManifest(text)).toEqual([
      { algorithm: "SHA1", name: "x.ovf", digest: "1".repeat(40) },
      { algorithm: "SHA512", name: "x-disk-0.vmdk", digest: "f".repeat(128) },
      { algorithm: "SHA256", name: "y.vmdk", digest: a },
    ]);
  });

  it("reads the spaced form other tools write and accept: SHA1 (name) = hex", () => {
    expect(parseManifest(`SHA1 (a b.ovf) = ${"A".repeat(40)}\nSHA256 (c.vmdk)= ${a}\n`)).toEqual([
      { algorithm: "SHA1", name: "a b.ovf", digest: "a".repeat(40) },
      { algorithm: "SHA256", name: "c.vmdk", digest: a },
    ]);
    expect(() => parseManifest(`SHA1 (../x) = ${"a".repeat(40)}\n`)).toThrow(/plain file name/);
  });

  it("names the bad line", () => {
    expect(() => parseManifest(`SHA256(a)= ${a}\nMD5(b)= 00\n`)).toThrow(/manifest line 2/);
    expect(() => parseManifest(`SHA256(a)= ${"a".repeat(40)}\n`)).toThrow(/64 hex digits, this one has 40/);
    expect(() => parseManifest(`SHA1(/etc/passwd)= ${"a".repeat(40)}\n`)).toThrow(/plain file name/);
  });

  it("reads the real ganeti.mf", () => {
    expect(parseManifest(fixture("ganeti", "ganeti.mf"))).toEqual([
      { algorithm: "SHA1", name: "ganeti.ovf", digest: "d298200d9044c54b0fde13efaa90e564badc5961" },
      { algorithm: "SHA1", name: "new_disk.vmdk", digest: "711c48f14c934228b8e117d036c913cdb9d63305" },
    ]);
  });
});

describe("hashStream", () => {
  it("hashes a file larger than one read chunk, chunk by chunk, and counts its bytes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ovf-hash-"));
    try {
      const data = Buffer.alloc(3 * 1024 * 1024 + 17);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 11)) & 0xff;
      const file = join(dir, "big.vmdk");
      writeFileSync(file, data);
      let chunks = 0;
      const stream = createReadStream(file, { highWaterMark: 64 * 1024 }).on("data", () => chunks++);
      const result = await hashStream(stream, "SHA256");
      expect(result).toEqual({ digest: createHash("sha256").update(data).digest("hex"), size: data.length });
      expect(chunks).toBeGreaterThan(40);
      const sha512 = await hashStream(createReadStream(file), "sha512");
      expect(sha512.digest).toBe(createHash("sha512").update(data).digest("hex"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects an unknown algorithm", async () => {
    await expect(hashStream(Readable.from([]), "md5")).rejects.toThrow(/unsupported hash algorithm/);
  });
});

describe("verifyManifest", () => {
  it("verifies the real ganeti.mf (SHA1) against ganeti.ovf and new_disk.vmdk", async () => {
    const result = await verifyManifest(fixture("ganeti", "ganeti.mf"), open(GANETI));
    expect(result).toEqual({ ok: true, mismatches: [], missing: [] });
  });

  it("fails the real wrong_manifest.mf with both mismatches", async () => {
    const result = await verifyManifest(fixture("ganeti", "wrong_manifest.mf"), open(GANETI));
    expect(result.ok).toBe(false);
    expect(result.missing).toEqual([]);
    expect(result.mismatches).toEqual([
      { name: "new_disk.vmdk", algorithm: "SHA1", expected: "0500304662fb8a6a7925b5a43bc0e05d6a03720d", actual: "711c48f14c934228b8e117d036c913cdb9d63305" },
      { name: "wrong_manifest.ovf", algorithm: "SHA1", expected: "0500304662fb8a6a7965b5a43bc0e05d6a03720d", actual: "0b26c624c910c234b6e4c5449e3801ef1d1c99ae" },
    ]);
  });

  it("verifies a SHA256 manifest we wrote, and reports a missing file and a changed one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ovf-mf-"));
    try {
      writeFileSync(join(dir, "a.vmdk"), "disk bytes");
      writeFileSync(join(dir, "a.ovf"), "<Envelope/>");
      const sha = (s: string) => createHash("sha256").update(s).digest("hex");
      const mf = formatManifest([{ name: "a.vmdk", sha256: sha("disk bytes") }, { name: "a.ovf", sha256: sha("<Envelope/>") }]);
      expect((await verifyManifest(mf, open(dir))).ok).toBe(true);
      writeFileSync(join(dir, "a.ovf"), "<Envelope />");
      rmSync(join(dir, "a.vmdk"));
      const r = await verifyManifest(mf, open(dir));
      expect(r.ok).toBe(false);
      expect(r.missing).toEqual(["a.vmdk"]);
      expect(r.mismatches.map((m) => m.name)).toEqual(["a.ovf"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rethrows errors other than not-found, and throws on a malformed manifest", async () => {
    const mf = formatManifest([{ name: "a.vmdk", sha256: "a".repeat(64) }]);
    const denied = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    await expect(verifyManifest(mf, () => Promise.reject(denied))).rejects.toThrow(/EACCES/);
    await expect(verifyManifest("not a manifest", open(GANETI))).rejects.toThrow(ManifestFormatError);
  });
});
