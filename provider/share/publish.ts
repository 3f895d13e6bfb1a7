/**
 * Atomic publish: an export's files are written into a hidden temporary folder next to the
 * target (`.<name>.partial-<random>`), checked, and only then renamed to `<name>`. A reader of the
 * share (the ELM) sees either no folder or the complete one, never a half-written export.
 */
import { randomBytes } from "crypto";
import type { Readable, Writable } from "stream";
import { HashingWriter, sha256OfShareFile, writeAllHashed } from "./hashing";
import { joinPath, pathParts } from "./paths";
import type { Share, WrittenFile } from "./types";

export interface PublishOptions {
  /** Replace an existing published folder of that name (default false: fail with EEXIST). */
  replace?: boolean;
  /**
   * How to check before publishing: "size" (default) compares each file's size on the share
   * with the bytes written; "sha256" also reads every file back and compares its hash.
   */
  verify?: "size" | "sha256";
}

export interface PublicationWriteOptions {
  /**
   * The caller hashes these bytes itself as they stream (an export hashes each disk for its
   * manifest): no second SHA-256 of gigabytes here. Called once the publication's function has
   * returned, for the file's sha256.
   */
  sha256?: () => string;
  /** Continue the file from this byte (a resumed disk download; needs `sha256`, as only the caller has hashed the earlier bytes). */
  start?: number;
}

export interface PublishedFolder {
  /** The published folder, relative to the share's base. */
  path: string;
  /** Files written, relative to the published folder, with size and SHA-256. */
  files: WrittenFile[];
}

/** A share path for messages, in the share's own separator style. */
function shown(share: Share, path: string): string {
  const sep = share.location.startsWith("\\\\") ? "\\" : "/";
  return `${share.location}${sep}${pathParts(path).join(sep)}`;
}

const PARTIAL_RE = /^\.(.+)\.(partial|old)-[0-9a-f]{8,}$/;

export class Publication {
  /** The temporary folder being filled, relative to the share's base. */
  readonly tempPath: string;
  /** Where it will be published. */
  readonly finalPath: string;
  private readonly written = new Map<string, WrittenFile>();
  private readonly hashedByCaller = new Map<string, () => string>();
  private openWriters = 0;
  private failure?: Error;
  /**
   * A file's failed stream, until the file is written again: an export restarts a disk whose
   * download broke, and the restarted stream replaces the failed one. Keyed by file, with the
   * generation of the stream that failed (a stale stream's failure never lands on a newer one).
   */
  private readonly failedStreams = new Map<string, Error>();
  private readonly generation = new Map<string, number>();
  private state: "open" | "committed" | "aborted" = "open";

  private constructor(
    private readonly share: Share,
    parent: string,
    readonly name: string,
    private readonly opts: PublishOptions,
  ) {
    this.finalPath = joinPath(parent, name);
    this.tempPath = joinPath(parent, `.${name}.partial-${randomBytes(6).toString("hex")}`);
  }

  /** Creates the parent folder (mkdir -p) and the temporary folder. */
  static async begin(share: Share, parent: string, name: string, opts: PublishOptions = {}): Promise<Publication> {
    if (pathParts(name).length !== 1) throw Object.assign(new Error(`publish name "${name}" must be a single folder name`), { code: "EINVAL" });
    const pub = new Publication(share, parent, name, opts);
    if (!opts.replace && (await share.stat(pub.finalPath))) {
      throw Object.assign(new Error(`${shown(share, pub.finalPath)} already exists: remove it or publish with replace`), { code: "EEXIST" });
    }
    await share.mkdirp(pub.tempPath);
    return pub;
  }

  private check(file: string): string {
    if (this.state !== "open") throw new Error(`publication of ${this.finalPath} is ${this.state}: no more files can be written`);
    const rel = joinPath(file);
    if (!rel) throw Object.assign(new Error("publish: empty file name"), { code: "EINVAL" });
    return rel;
  }

  /** A streaming writer for one file of the export (subfolders allowed: create them with mkdir). */
  createWriteStream(file: string, opts: PublicationWriteOptions = {}): Writable {
    const rel = this.check(file);
    const start = opts.start ?? 0;
    if (start > 0 && !opts.sha256) throw new Error(`publication of ${this.finalPath}: continuing ${rel} from byte ${start} needs the caller's sha256 of the whole file`);
    const inner = this.share.createWriteStream(joinPath(this.tempPath, rel), { overwrite: true, start });
    // The caller hashing itself, a writer that counts its own bytes (SMB's and fs's both do) is
    // handed out as it is: one stream stage less for every chunk of a disk.
    const counted = opts.sha256 && typeof (inner as { bytesWritten?: unknown }).bytesWritten === "number";
    const hw: Writable = counted ? inner : new HashingWriter(inner, !opts.sha256);
    const sizeOf = (): number => start + (counted ? (inner as unknown as { bytesWritten: number }).bytesWritten : (hw as HashingWriter).size);
    if (opts.sha256) this.hashedByCaller.set(rel, opts.sha256);
    const gen = (this.generation.get(rel) ?? 0) + 1;
    this.generation.set(rel, gen);
    this.failedStreams.delete(rel);
    this.written.delete(rel);
    this.openWriters++;
    let done = false;
    const settle = (err?: Error): void => {
      if (done) return;
      done = true;
      this.openWriters--;
      if (this.generation.get(rel) !== gen) return;
      if (err) this.failedStreams.set(rel, err);
      else this.written.set(rel, { path: rel, size: sizeOf(), sha256: opts.sha256 ? "" : (hw as HashingWriter).sha256 });
    };
    hw.once("finish", () => settle());
    hw.once("error", (e) => settle(e));
    hw.once("close", () => settle(hw.writableFinished ? undefined : new Error(`write of ${rel} was closed before it finished`)));
    return hw;
  }

  /** Writes one file from a buffer, string or stream; resolves when it is on the share. */
  async writeFile(file: string, data: Buffer | string | Readable): Promise<WrittenFile> {
    const rel = this.check(file);
    this.openWriters++;
    try {
      const r = await writeAllHashed(this.share.createWriteStream(joinPath(this.tempPath, rel), { overwrite: true }), data);
      const f = { path: rel, ...r };
      this.written.set(rel, f);
      return f;
    } catch (e) {
      this.failure ??= e as Error;
      throw e;
    } finally {
      this.openWriters--;
    }
  }

  async mkdir(sub: string): Promise<void> {
    await this.share.mkdirp(joinPath(this.tempPath, this.check(sub)));
  }

  get files(): WrittenFile[] {
    return [...this.written.values()];
  }

  /** Verifies every file, then moves the folder into place. */
  async commit(): Promise<PublishedFolder> {
    if (this.state !== "open") throw new Error(`publication of ${this.finalPath} is already ${this.state}`);
    if (this.failure) throw this.failure;
    for (const e of this.failedStreams.values()) throw e;
    if (this.openWriters > 0) throw new Error(`publication of ${this.finalPath}: ${this.openWriters} file(s) are still being written; wait for them before commit`);
    for (const [rel, sha256] of this.hashedByCaller) {
      const f = this.written.get(rel);
      if (f) f.sha256 = sha256();
    }
    for (const f of this.written.values()) {
      const where = shown(this.share, joinPath(this.tempPath, f.path));
      const st = await this.share.stat(joinPath(this.tempPath, f.path));
      if (!st || st.isDirectory || st.size !== f.size) {
        throw Object.assign(new Error(`verification of ${where} failed: ${st ? st.size : "no"} bytes on the share, ${f.size} written; the export is not published`), { code: "EIO" });
      }
      if (this.opts.verify === "sha256") {
        const r = await sha256OfShareFile(this.share, joinPath(this.tempPath, f.path));
        if (r.sha256 !== f.sha256 || r.size !== f.size) {
          throw Object.assign(new Error(`verification of ${where} failed: the SHA-256 read back differs from what was written; the export is not published`), { code: "EIO" });
        }
      }
    }
    await this.share.rename(this.tempPath, this.finalPath, { replace: !!this.opts.replace });
    this.state = "committed";
    return { path: this.finalPath, files: this.files };
  }

  /** Removes the temporary folder (best effort when the share is gone: cleanupStalePartials later). */
  async abort(): Promise<void> {
    if (this.state !== "open") return;
    this.state = "aborted";
    await this.share.remove(this.tempPath, { recursive: true });
  }
}

/**
 * Writes a folder atomically: fn fills the publication; on success it is verified and published,
 * on any failure the temporary folder is removed (if the share is still reachable) and the
 * error is rethrown. Nothing is ever visible under the final name unless it is complete.
 */
export async function publishFolder(
  share: Share,
  parent: string,
  name: string,
  fn: (pub: Publication) => Promise<void>,
  opts: PublishOptions = {},
): Promise<PublishedFolder> {
  const pub = await Publication.begin(share, parent, name, opts);
  try {
    await fn(pub);
    return await pub.commit();
  } catch (e) {
    await pub.abort().catch(() => undefined);
    throw e;
  }
}

/**
 * Removes leftovers of interrupted publications in parent: `.<name>.partial-*` and
 * `.<name>.old-*` folders older than olderThanMs (default 0: all). Returns what was removed.
 * Only call with olderThanMs 0 when no other publication into parent can be running.
 */
export async function cleanupStalePartials(share: Share, parent: string, opts: { olderThanMs?: number; name?: string } = {}): Promise<string[]> {
  const st = await share.stat(parent);
  if (!st?.isDirectory) return [];
  const removed: string[] = [];
  const cutoff = Date.now() - (opts.olderThanMs ?? 0);
  for (const e of await share.list(parent)) {
    const m = PARTIAL_RE.exec(e.name);
    if (!m || (opts.name !== undefined && m[1] !== opts.name)) continue;
    if (e.mtime.getTime() > cutoff) continue;
    const p = joinPath(parent, e.name);
    await share.remove(p, { recursive: true });
    removed.push(p);
  }
  return removed;
}
