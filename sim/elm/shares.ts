/** File shares of the simulated ELM: seeds and the default reader over a local directory. */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { SimFileShare } from "./model";

export interface FileShareSeed {
  /** Display name (default: the last part of the UNC path). */
  name?: string;
  /** UNC path the ELM shows, e.g. `\\127.0.0.1\elmshare`. */
  uncPath: string;
  /** Local directory backing the share (what smbd serves in tests). */
  localDir?: string;
  /** Custom reader (e.g. our SMB client); takes precedence over localDir. */
  read?: (relativePath: string) => Promise<Buffer | undefined>;
  /** Custom existence check, used with `read`. */
  exists?: (relativePath: string) => Promise<boolean>;
}

export function makeShare(id: number, seed: FileShareSeed): SimFileShare {
  const name = seed.name ?? seed.uncPath.split(/[\\/]/).filter(Boolean).pop() ?? "share";
  const share: SimFileShare = { id, name, uncPath: seed.uncPath, read: seed.read, exists: seed.exists };
  if (seed.localDir) {
    const root = path.resolve(seed.localDir);
    const resolve = (rel: string) => {
      const full = path.resolve(root, rel.replace(/\\/g, "/").replace(/^\/+/, ""));
      return full === root || full.startsWith(root + path.sep) ? full : undefined;
    };
    share.read ??= async (rel) => {
      const full = resolve(rel);
      if (!full) return undefined;
      try {
        return await fs.readFile(full);
      } catch {
        return undefined;
      }
    };
    share.exists ??= async (rel) => {
      const full = resolve(rel);
      return !!full && (await fs.stat(full).then((st) => st.isFile(), () => false));
    };
    share.list = async (rel) => {
      const full = resolve(rel);
      if (!full) return undefined;
      try {
        const entries = await fs.readdir(full, { withFileTypes: true });
        return { directories: entries.filter((e) => e.isDirectory()).map((e) => e.name), files: entries.filter((e) => e.isFile()).map((e) => e.name) };
      } catch {
        return undefined;
      }
    };
  }
  return share;
}
