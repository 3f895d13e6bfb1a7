/**
 * OVF manifests (`<name>.mf`): one line per file, `SHA256(disk1.vmdk)= <lower-case hex>`, the
 * format vSphere and ovftool write. Hashing streams; no file is ever held in memory.
 */
import { createHash } from "crypto";
import { Readable } from "stream";
import { isPlainFileName } from "./fileNames";

export type ManifestAlgorithm = "SHA1" | "SHA256" | "SHA512";

const HEX_LENGTH: Record<ManifestAlgorithm, number> = { SHA1: 40, SHA256: 64, SHA512: 128 };
const NODE_ALGO: Record<ManifestAlgorithm, string> = { SHA1: "sha1", SHA256: "sha256", SHA512: "sha512" };

export interface ManifestEntry {
  algorithm: ManifestAlgorithm;
  /** The file name as written between the parentheses. */
  name: string;
  /** Lower-case hex. */
  digest: string;
}

/** Thrown for a manifest line that is not `ALGO(name)= hex`, or an entry that cannot be written. */
export class ManifestFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestFormatError";
  }
}

function checkName(name: string, where: string): void {
  if (!isPlainFileName(name) || /[\r\n]/.test(name)) {
    throw new ManifestFormatError(`${where}: "${name}" is not a plain file name beside the descriptor; manifests of a folder-of-files OVF name files without folders`);
  }
}

/** Writes SHA-256 manifest text in vSphere's format, one LF-terminated line per entry, in the given order. */
export function formatManifest(entries: ReadonlyArray<{ name: string; sha256: string }>): string {
  return entries
    .map(({ name, sha256 }) => {
      checkName(name, "manifest entry");
      const hex = sha256.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(hex)) throw new ManifestFormatError(`manifest entry ${name}: "${sha256}" is not a SHA-256 digest (64 hex digits)`);
      return `SHA256(${name})= ${hex}\n`;
    })
    .join("");
}

/** Reads manifest text (LF or CRLF, blank lines ignored). Throws `ManifestFormatError` naming the bad line. */
export function parseManifest(text: string): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const where = `manifest line ${i + 1}`;
    // `SHA1 (name) = hex` (openssl dgst, shasum --tag, the ttylinux OVA) is read as ovftool reads it.
    const m = /^(SHA1|SHA256|SHA512)\s*\((.+)\)\s*=\s*([0-9A-Fa-f]+)$/.exec(line);
    if (!m) throw new ManifestFormatError(`${where}: "${line.slice(0, 80)}" is not of the form SHA256(file)= <hex> (SHA1, SHA256 or SHA512)`);
    const algorithm = m[1] as ManifestAlgorithm;
    const digest = m[3].toLowerCase();
    if (digest.length !== HEX_LENGTH[algorithm]) {
      throw new ManifestFormatError(`${where}: a ${algorithm} digest has ${HEX_LENGTH[algorithm]} hex digits, this one has ${digest.length}`);
    }
    checkName(m[2], where);
    entries.push({ algorithm, name: m[2], digest });
  });
  return entries;
}

function nodeAlgorithm(algo: string): string {
  const upper = algo.toUpperCase().replace("-", "") as ManifestAlgorithm;
  if (!(upper in NODE_ALGO)) throw new RangeError(`unsupported hash algorithm "${algo}"; use sha1, sha256 or sha512`);
  return NODE_ALGO[upper];
}

/** Hashes a stream chunk by chunk. `algo`: sha1, sha256 or sha512 (any case, as in manifests). */
export async function hashStream(readable: Readable, algo: string): Promise<{ digest: string; size: number }> {
  const hash = createHash(nodeAlgorithm(algo));
  let size = 0;
  for await (const chunk of readable) {
    const buf: Buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    hash.update(buf);
    size += buf.length;
  }
  return { digest: hash.digest("hex"), size };
}

export interface ManifestMismatch {
  name: string;
  algorithm: ManifestAlgorithm;
  expected: string;
  actual: string;
}

export interface ManifestVerification {
  /** True when every entry's file exists and matches. */
  ok: boolean;
  mismatches: ManifestMismatch[];
  /** Names in the manifest whose file could not be found. */
  missing: string[];
}

/** Error codes that mean "no such file" (local fs, SMB status names). */
const NOT_FOUND = new Set(["ENOENT", "STATUS_OBJECT_NAME_NOT_FOUND", "STATUS_OBJECT_PATH_NOT_FOUND", "STATUS_NO_SUCH_FILE"]);

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && NOT_FOUND.has(code);
}

/**
 * Checks each manifest entry against the file `openFile(name)` streams, one file at a time.
 * A file that cannot be found (an error with code ENOENT or an SMB not-found status, thrown by
 * `openFile` or emitted by the stream) is reported in `missing`; other errors are thrown.
 * Throws `ManifestFormatError` when the manifest text is malformed.
 */
export async function verifyManifest(
  manifestText: string,
  openFile: (name: string) => Readable | Promise<Readable>,
): Promise<ManifestVerification> {
  const entries = parseManifest(manifestText);
  const mismatches: ManifestMismatch[] = [];
  const missing: string[] = [];
  for (const e of entries) {
    let actual: string;
    try {
      actual = (await hashStream(await openFile(e.name), e.algorithm)).digest;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (!missing.includes(e.name)) missing.push(e.name);
      continue;
    }
    if (actual !== e.digest) mismatches.push({ name: e.name, algorithm: e.algorithm, expected: e.digest, actual });
  }
  return { ok: mismatches.length === 0 && missing.length === 0, mismatches, missing };
}
