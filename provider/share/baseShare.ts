/** What every backend shares: whole-file helpers, recursive remove, folder-replacing rename. */
import { Readable, Writable } from "stream";
import { randomBytes } from "crypto";
import { basename, dirname, joinPath, pathParts } from "./paths";
import { writeAllHashed } from "./hashing";
import type { Share, ShareEntry, ShareReadOptions, ShareSpace, ShareStat, ShareWriteOptions, WrittenFile } from "./types";

export abstract class BaseShare implements Share {
  abstract readonly location: string;
  abstract mkdirp(path: string): Promise<void>;
  abstract stat(path: string): Promise<ShareStat | undefined>;
  abstract list(path: string): Promise<ShareEntry[]>;
  abstract createWriteStream(path: string, opts?: ShareWriteOptions): Writable;
  abstract createReadStream(path: string, opts?: ShareReadOptions): Readable;
  abstract close(deadline?: number): Promise<void>;
  abstract space(): Promise<ShareSpace | undefined>;
  /** Deletes one file or one empty folder. */
  protected abstract deleteOne(path: string, isDirectory: boolean): Promise<void>;
  /** Native rename; replace only ever targets files here. */
  protected abstract renameOne(from: string, to: string, replace: boolean): Promise<void>;

  async remove(path: string, opts: { recursive?: boolean } = {}): Promise<void> {
    // An empty path is the base folder itself: never removed wholesale by a typo or an empty name.
    if (pathParts(path).length === 0) throw Object.assign(new Error(`refusing to remove the base folder ${this.location}`), { code: "EINVAL" });
    const st = await this.stat(path);
    if (!st) return;
    if (st.isDirectory) {
      if (opts.recursive) {
        for (const e of await this.list(path)) await this.remove(joinPath(path, e.name), opts);
      }
      // Some servers (impacket) delete a non-empty folder with everything in it: never rely on
      // the server to refuse. Only a folder seen empty here is deleted, so a file that appeared
      // meanwhile, or one we were not asked to remove, is never lost.
      const left = await this.list(path);
      if (left.length > 0) {
        const names = left.slice(0, 5).map((e) => e.name).join(", ") + (left.length > 5 ? `, ... (${left.length} entries)` : "");
        throw Object.assign(new Error(`${this.location}: not removing ${path}: the folder is not empty (${names})`), { code: "ENOTEMPTY" });
      }
    }
    await this.deleteOne(path, st.isDirectory);
  }

  async rename(from: string, to: string, opts: { replace?: boolean } = {}): Promise<void> {
    if (opts.replace) {
      const target = await this.stat(to);
      if (target?.isDirectory) {
        // A folder cannot be replaced in one step: move it aside, move ours in, then drop the old one.
        const aside = joinPath(dirname(to), `.${basename(to)}.old-${randomBytes(4).toString("hex")}`);
        await this.renameOne(to, aside, false);
        try {
          await this.renameOne(from, to, false);
        } catch (e) {
          await this.renameOne(aside, to, false).catch(() => undefined);
          throw e;
        }
        await this.remove(aside, { recursive: true });
        return;
      }
    }
    await this.renameOne(from, to, !!opts.replace);
  }

  async writeFile(path: string, data: Buffer | string | Readable, opts?: ShareWriteOptions): Promise<WrittenFile> {
    const r = await writeAllHashed(this.createWriteStream(path, opts), data);
    return { path: joinPath(path), ...r };
  }

  async readEach(path: string, fn: (piece: Buffer) => void | Promise<void>, opts?: ShareReadOptions): Promise<number> {
    let size = 0;
    for await (const c of this.createReadStream(path, opts)) {
      const r = fn(c as Buffer);
      if (r) await r;
      size += (c as Buffer).length;
    }
    return size;
  }

  async readFile(path: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of this.createReadStream(path)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }
}
