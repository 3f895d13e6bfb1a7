/**
 * `applayering ovf inspect <path>`: is this OVF fit to become an App Layering OS layer?
 * Exit 0 fit, 1 not fit (the problems are listed), 2 cannot be read or parsed.
 */
import {
  checkVmdk,
  DEFAULT_MAX_LAYER_SIZE_GB,
  decodeDescriptor,
  isPlainFileName,
  isVmdkDisk,
  ManifestEntry,
  ManifestFormatError,
  manifestProblems,
  OvfDescriptor,
  OvfFormatError,
  OvfProblem,
  parseDescriptor,
  parseManifest,
  validateForOsLayer,
  verifyManifest,
  VmdkKind,
} from "../provider/ovf";
import { parseArgs } from "./args";
import { FileAccess, localAccess } from "./fileAccess";
import { CliError, CliIo } from "./io";
import { formatInspectReport } from "./ovfReport";
import { openShareAccess } from "./shareAccess";
import { isUnc } from "../provider/share";

export const OVF_INSPECT_USAGE = `usage: applayering ovf inspect <path.ovf> [--json] [--max-layer-size <GB>] [--no-manifest]

  <path.ovf>            the descriptor, or the export folder holding exactly one .ovf:
                        a local path or \\\\host[:port]\\share\\folder\\name.ovf
                        (share credentials: APPLAYERING_SHARE_USER, APPLAYERING_SHARE_PASSWORD,
                        APPLAYERING_SHARE_DOMAIN)
  --json                print the report as JSON
  --max-layer-size GB   the Max Layer Size the OS layer will get (default ${DEFAULT_MAX_LAYER_SIZE_GB})
  --no-manifest         do not hash the files against the .mf beside the descriptor

Exit status: 0 fit for an OS layer, 1 not fit (problems listed), 2 cannot be read or parsed.
`;

/** Descriptors are a few KB; anything this large is not one. */
const MAX_DESCRIPTOR_BYTES = 16 * 1024 * 1024;

export interface ManifestReport {
  name: string;
  /** False when --no-manifest skipped the hashing, or the manifest could not be read. */
  verified: boolean;
  entries: number;
  algorithms: string[];
}

export interface FileReport {
  id: string;
  href: string;
  /** Size declared in the descriptor. */
  size?: number;
  /** ovf:chunkSize, when the file is stored in chunks. */
  chunkSize?: number;
  /** Size found beside the descriptor; absent when the file is missing. */
  presentSize?: number;
  /** What a present VMDK disk's header says it is (its capacity in bytes when it has a header). */
  vmdk?: { kind: VmdkKind; capacityBytes?: number };
}

export interface InspectReport {
  path: string;
  fit: boolean;
  problems: OvfProblem[];
  descriptor: OvfDescriptor;
  files: FileReport[];
  /** null when there is no `.mf` beside the descriptor. */
  manifest: ManifestReport | null;
  maxLayerSizeGb: number;
}

export async function ovfInspect(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(args, { flags: ["--json", "--no-manifest", "--help", "-h"], options: ["--max-layer-size"] }, OVF_INSPECT_USAGE);
  if (parsed.flags.has("--help") || parsed.flags.has("-h")) {
    io.stdout(OVF_INSPECT_USAGE);
    return 0;
  }
  if (parsed.positional.length !== 1) {
    throw new CliError(`expected one path to an .ovf, got ${parsed.positional.length}\n${OVF_INSPECT_USAGE}`);
  }
  const maxLayerSizeGb = readMaxLayerSize(parsed.options.get("--max-layer-size"));
  const given = parsed.positional[0];
  const { access, path } = isUnc(given) ? await openShareAccess(given, io.env) : { access: localAccess, path: given };
  try {
    const report = await inspect(access, path, { maxLayerSizeGb, verifyManifest: !parsed.flags.has("--no-manifest") });
    io.stdout(parsed.flags.has("--json") ? `${JSON.stringify(report, null, 2)}\n` : formatInspectReport(report));
    return report.fit ? 0 : 1;
  } finally {
    await access.close();
  }
}

function readMaxLayerSize(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_MAX_LAYER_SIZE_GB;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !(n > 0)) {
    throw new CliError(`--max-layer-size must be a positive number of GB, got "${raw}"`);
  }
  return n;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

/** The descriptor itself, or the one `.ovf` in a folder. */
async function findDescriptor(access: FileAccess, path: string): Promise<string> {
  if (!(await access.isDirectory(path))) return path;
  const ovfs = (await access.list(path)).filter((n) => /\.ovf$/i.test(n)).sort();
  if (ovfs.length === 1) return access.child(path, ovfs[0]);
  const shown = access.display(path);
  throw new CliError(
    ovfs.length === 0
      ? `${shown} is a folder without an .ovf descriptor; give the path of the exported .ovf`
      : `${shown} holds several descriptors (${ovfs.join(", ")}); give the path of one of them`,
  );
}

export async function inspect(
  access: FileAccess,
  given: string,
  opts: { maxLayerSizeGb: number; verifyManifest: boolean },
): Promise<InspectReport> {
  const path = await findDescriptor(access, given);
  const shown = access.display(path);
  const size = await access.size(path);
  if (size === undefined) throw new CliError(`${shown}: no such file; give the path of the .ovf descriptor`);
  if (size > MAX_DESCRIPTOR_BYTES) throw new CliError(`${shown}: ${size} bytes is far too large for an OVF descriptor; give the path of the .ovf, not a disk`);

  let descriptor: OvfDescriptor;
  try {
    descriptor = await parseDescriptor(decodeDescriptor(await access.readBytes(path)));
  } catch (err) {
    if (err instanceof OvfFormatError) throw new CliError(`${shown}: ${err.message}`);
    throw err;
  }

  const files: FileReport[] = [];
  const present = new Map<string, number>();
  for (const f of descriptor.files) {
    const report: FileReport = { id: f.id, href: f.href };
    if (f.size !== undefined) report.size = f.size;
    if (f.chunkSize !== undefined) report.chunkSize = f.chunkSize;
    if (isPlainFileName(f.href)) {
      const found = f.chunkSize ? await chunkedSize(access, path, f.href) : await access.size(access.sibling(path, f.href));
      if (found !== undefined) {
        present.set(f.href, found);
        report.presentSize = found;
      }
    }
    files.push(report);
  }
  const problems = validateForOsLayer(descriptor, { maxLayerSizeGb: opts.maxLayerSizeGb, presentFiles: present });
  await checkDisks(access, path, descriptor, files, problems);

  const manifest = await checkManifest(access, path, descriptor, opts.verifyManifest, problems, present);
  return { path: shown, fit: problems.length === 0, problems, descriptor, files, manifest, maxLayerSizeGb: opts.maxLayerSizeGb };
}

/**
 * Each present VMDK disk's header (and stream footer) against the descriptor: two bounded reads
 * per disk, never the grains. Chunked files are left out (their header is in the first chunk,
 * their footer in the last; rare in exports).
 */
async function checkDisks(access: FileAccess, path: string, descriptor: OvfDescriptor, files: FileReport[], problems: OvfProblem[]): Promise<void> {
  for (const disk of descriptor.disks) {
    const file = descriptor.files.find((f) => f.id === disk.fileRef);
    const report = file && files.find((f) => f.id === file.id);
    if (!file || !report || report.presentSize === undefined || file.chunkSize || !isVmdkDisk(disk.format, file.href)) continue;
    const where = `DiskSection/Disk[${disk.diskId}]`;
    const filePath = access.sibling(path, file.href);
    const size = report.presentSize;
    const result = await checkVmdk(
      { size, read: (offset, length) => access.readRange(filePath, offset, length) },
      { href: file.href, format: disk.format, capacityBytes: disk.capacityBytes, where },
    );
    report.vmdk = result.capacityBytes === undefined ? { kind: result.kind } : { kind: result.kind, capacityBytes: result.capacityBytes };
    problems.push(...result.problems);
  }
}

/** An upper bound on chunk files looked for, so a hostile chunkSize of 1 cannot make a million look-ups. */
const MAX_CHUNKS = 10000;

/**
 * A chunked file (ovf:chunkSize) is stored as `<href>.000000000`, `<href>.000000001`, …: its size
 * is the sum of the chunks found in a row from the first; undefined when the first is missing.
 */
async function chunkedSize(access: FileAccess, descriptor: string, href: string): Promise<number | undefined> {
  let total: number | undefined;
  for (let i = 0; i < MAX_CHUNKS; i++) {
    const size = await access.size(access.sibling(descriptor, `${href}.${String(i).padStart(9, "0")}`));
    if (size === undefined) break;
    total = (total ?? 0) + size;
  }
  return total;
}

async function checkManifest(
  access: FileAccess,
  path: string,
  descriptor: OvfDescriptor,
  verify: boolean,
  problems: OvfProblem[],
  present: ReadonlyMap<string, number>,
): Promise<ManifestReport | null> {
  const descriptorName = baseName(path);
  const name = descriptorName.replace(/\.ovf$/i, "") + ".mf";
  const mfPath = access.sibling(path, name);
  const mfSize = await access.size(mfPath);
  if (mfSize === undefined) return null;
  if (mfSize > MAX_DESCRIPTOR_BYTES) {
    problems.push({ code: "MANIFEST_MALFORMED", where: name, message: `${name} is ${mfSize} bytes, too large for a manifest; remove it or export again` });
    return { name, verified: false, entries: 0, algorithms: [] };
  }
  const text = (await access.readBytes(mfPath)).toString("utf8");
  let entries: ManifestEntry[];
  try {
    entries = parseManifest(text);
  } catch (err) {
    if (!(err instanceof ManifestFormatError)) throw err;
    problems.push({ code: "MANIFEST_MALFORMED", where: name, message: `${err.message}; remove the .mf or export again` });
    return { name, verified: false, entries: 0, algorithms: [] };
  }
  const report: ManifestReport = { name, verified: false, entries: entries.length, algorithms: [...new Set(entries.map((e) => e.algorithm))] };
  if (!verify) return report;
  const result = await verifyManifest(text, (file) => access.openRead(access.sibling(path, file)));
  const mustCover = [descriptorName, ...descriptor.files.map((f) => f.href).filter(isPlainFileName)];
  // A file the descriptor references and that is missing is already one FILE_MISSING finding.
  const reported = new Set(descriptor.files.filter((f) => !present.has(f.href)).map((f) => f.href));
  const verified = { ...result, missing: result.missing.filter((n) => !reported.has(n)) };
  problems.push(...manifestProblems(name, entries, verified, mustCover));
  report.verified = true;
  return report;
}
