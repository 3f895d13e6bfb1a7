/** The file-share API the rest of the product uses, whatever the backend (SMB or a local path). */
import type { Readable, Writable } from "stream";

/** Where the share is and who we are on it. Secrets come from config, never from resource inputs. */
export interface ShareSettings {
  host: string;
  /** TCP port (default 445). */
  port?: number;
  /** Share name. */
  share: string;
  /** Folder inside the share that all paths are relative to ("" = the share root). */
  path: string;
  domain?: string;
  user: string;
  password: string;
}

export interface ShareStat {
  isDirectory: boolean;
  /** Bytes (0 for folders). */
  size: number;
  mtime: Date;
}

export interface ShareEntry extends ShareStat {
  name: string;
}

export interface ShareSpace {
  totalBytes: number;
  /** Available to the account we use (quotas applied). */
  freeBytes: number;
}

export interface ShareWriteOptions {
  /** true (default): replace an existing file; false: fail with EEXIST. */
  overwrite?: boolean;
  /**
   * Continue an existing file from this byte (a resumed download): the bytes before it are kept,
   * `overwrite` does not apply, and the stream's bytesWritten counts only what it writes.
   */
  start?: number;
}

export interface ShareReadOptions {
  /** First byte (default 0). */
  start?: number;
  /** Last byte, inclusive (default: end of file). */
  end?: number;
}

export interface WrittenFile {
  /** Path relative to the share's base folder, `/`-separated. */
  path: string;
  size: number;
  /** Hex SHA-256 of the bytes written. */
  sha256: string;
}

/**
 * A share rooted at a base folder. Paths are relative to it and use `/` (a `\` is accepted);
 * `..` is refused. Errors carry `code` (ENOENT, EEXIST, EACCES, ENOSPC, EAUTH, ENOSHARE,
 * ENOTEMPTY, ECONNRESET...) and say where and what to do.
 */
export interface Share {
  /** Where it is, for messages: `\\host\share\path` or a local path. Never holds credentials. */
  readonly location: string;
  /** Creates a folder and its missing parents; a no-op if it exists. */
  mkdirp(path: string): Promise<void>;
  /** Attributes, or undefined if nothing is there. */
  stat(path: string): Promise<ShareStat | undefined>;
  /** The entries of a folder (without `.` and `..`). */
  list(path: string): Promise<ShareEntry[]>;
  /** Removes a file or folder; a folder's content too with recursive. A no-op if missing. */
  remove(path: string, opts?: { recursive?: boolean }): Promise<void>;
  /** Renames; replace overwrites an existing target (a folder target is removed after the move). */
  rename(from: string, to: string, opts?: { replace?: boolean }): Promise<void>;
  /** A streaming writer with backpressure; 'finish' means every byte is on the server and the file is closed. */
  createWriteStream(path: string, opts?: ShareWriteOptions): Writable;
  /** A streaming reader with read-ahead and backpressure. */
  createReadStream(path: string, opts?: ShareReadOptions): Readable;
  /**
   * Reads a file in order, handing each piece to fn; a piece is valid only until fn returns
   * (or its promise settles), so fn must copy what it keeps. Resolves with the bytes read. The
   * cheapest way to read a large file that is only looked at (hashed, compared).
   */
  readEach(path: string, fn: (piece: Buffer) => void | Promise<void>, opts?: ShareReadOptions): Promise<number>;
  /** Writes a whole file from a buffer, string or stream; returns its size and SHA-256. */
  writeFile(path: string, data: Buffer | string | Readable, opts?: ShareWriteOptions): Promise<WrittenFile>;
  /** Reads a whole (small) file. Use createReadStream for large ones. */
  readFile(path: string): Promise<Buffer>;
  /** Size and free space of the volume; undefined when the server does not say. */
  space(): Promise<ShareSpace | undefined>;
  /** Releases the connection; `deadline` (ms since the epoch) bounds the goodbyes to the server. */
  close(deadline?: number): Promise<void>;
}
