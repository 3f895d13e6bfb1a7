/**
 * Where the OVF folder is: a local (or mounted) path, or a share. `ovf inspect` reads through
 * this interface only, so the share needs nothing but an implementation of it.
 */
import { createReadStream, promises as fs } from "fs";
import * as nodePath from "path";
import { Readable } from "stream";

export interface FileAccess {
  /** How to show a path to the user (never with credentials). */
  display(path: string): string;
  /** The path of `name` in the folder that holds `path`. */
  sibling(path: string, name: string): string;
  /** The path of `name` inside the folder `dir`. */
  child(dir: string, name: string): string;
  /** Size of a file in bytes, or undefined when there is no such file. Other failures throw. */
  size(path: string): Promise<number | undefined>;
  /** True when `path` is a folder. */
  isDirectory(path: string): Promise<boolean>;
  /** Names of the entries of a folder. */
  list(dir: string): Promise<string[]>;
  /** The whole file; only for small files (the descriptor, the manifest). */
  readBytes(path: string): Promise<Buffer>;
  /** At most `length` bytes from `offset` (fewer only at the end of the file): a bounded look inside a large file. */
  readRange(path: string, offset: number, length: number): Promise<Buffer>;
  /** A stream of the file's bytes (not-found surfaces as an error with code ENOENT or an SMB status). */
  openRead(path: string): Promise<Readable>;
  /** Releases connections. */
  close(): Promise<void>;
}

export const localAccess: FileAccess = {
  display: (p) => p,
  sibling: (p, name) => nodePath.join(nodePath.dirname(p), name),
  child: (dir, name) => nodePath.join(dir, name),
  async size(p) {
    try {
      const st = await fs.stat(p);
      return st.isFile() ? st.size : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
      throw err;
    }
  },
  async isDirectory(p) {
    try {
      return (await fs.stat(p)).isDirectory();
    } catch {
      return false;
    }
  },
  list: (dir) => fs.readdir(dir),
  readBytes: (p) => fs.readFile(p),
  async readRange(p, offset, length) {
    const fh = await fs.open(p, "r");
    try {
      const buf = Buffer.alloc(length);
      let n = 0;
      while (n < length) {
        const { bytesRead } = await fh.read(buf, n, length - n, offset + n);
        if (bytesRead === 0) break;
        n += bytesRead;
      }
      return buf.subarray(0, n);
    } finally {
      await fh.close();
    }
  },
  async openRead(p) {
    return createReadStream(p);
  },
  async close() {},
};
