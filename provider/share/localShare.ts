/**
 * The Share API over the local file system: a mount point, or on Windows a UNC path that the OS
 * opens with the logged-on user's credentials.
 */
import * as fs from "fs";
import * as nodePath from "path";
import type { Readable, Writable } from "stream";
import { BaseShare } from "./baseShare";
import { pathParts } from "./paths";
import type { ShareEntry, ShareReadOptions, ShareSpace, ShareStat, ShareWriteOptions } from "./types";

export class LocalShare extends BaseShare {
  private constructor(readonly location: string) {
    super();
  }

  static async open(root: string): Promise<LocalShare> {
    const st = await fs.promises.stat(root).catch(() => undefined);
    if (!st?.isDirectory()) {
      throw Object.assign(new Error(`share folder ${root} does not exist or is not a folder: mount the share or fix the path`), { code: "ENOENT" });
    }
    return new LocalShare(root);
  }

  private p(path: string): string {
    return nodePath.join(this.location, ...pathParts(path));
  }

  async mkdirp(path: string): Promise<void> {
    await fs.promises.mkdir(this.p(path), { recursive: true });
  }

  async stat(path: string): Promise<ShareStat | undefined> {
    try {
      const s = await fs.promises.stat(this.p(path));
      return { isDirectory: s.isDirectory(), size: s.isDirectory() ? 0 : s.size, mtime: s.mtime };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async list(path: string): Promise<ShareEntry[]> {
    const dir = this.p(path);
    const names = await fs.promises.readdir(dir);
    const out: ShareEntry[] = [];
    for (const name of names) {
      const s = await fs.promises.stat(nodePath.join(dir, name)).catch(() => undefined);
      if (s) out.push({ name, isDirectory: s.isDirectory(), size: s.isDirectory() ? 0 : s.size, mtime: s.mtime });
    }
    return out;
  }

  override async remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    if (pathParts(path).length === 0) throw Object.assign(new Error(`refusing to remove the share root ${this.location}`), { code: "EINVAL" });
    await fs.promises.rm(this.p(path), { recursive: !!opts.recursive, force: true });
  }

  protected async deleteOne(path: string, isDirectory: boolean): Promise<void> {
    if (isDirectory) await fs.promises.rmdir(this.p(path));
    else await fs.promises.unlink(this.p(path));
  }

  protected async renameOne(from: string, to: string, replace: boolean): Promise<void> {
    if (!replace && (await this.stat(to))) {
      throw Object.assign(new Error(`cannot rename ${this.p(from)} to ${this.p(to)}: the target exists (ask to replace it)`), { code: "EEXIST" });
    }
    await fs.promises.rename(this.p(from), this.p(to));
  }

  createWriteStream(path: string, opts: ShareWriteOptions = {}): Writable {
    if (opts.start !== undefined && opts.start > 0) return fs.createWriteStream(this.p(path), { flags: "r+", start: opts.start, highWaterMark: 1 << 20 });
    return fs.createWriteStream(this.p(path), { flags: opts.overwrite === false ? "wx" : "w", highWaterMark: 1 << 20 });
  }

  createReadStream(path: string, opts: ShareReadOptions = {}): Readable {
    return fs.createReadStream(this.p(path), { start: opts.start, end: opts.end, highWaterMark: 1 << 20 });
  }

  async space(): Promise<ShareSpace> {
    const s = await fs.promises.statfs(this.location);
    return { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize };
  }

  async close(): Promise<void> {
    // Nothing held open.
  }
}
