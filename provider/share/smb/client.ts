/**
 * SmbClient: one connection, one authenticated session, one tree (share). File operations take
 * share-relative paths with `/` or `\` separators.
 */
import { inspect } from "node:util";
import { randomBytes } from "crypto";
import {
  Access, Command, CreateOptions, Dialect, Disposition, FileAttributes, FileInfoClass, InfoType, ShareAccess, ShareFlags, Status,
} from "./constants";
import { SmbConnection, SmbResponse } from "./connection";
import { slicePieces } from "./header";
import { SmbConnectionError, SmbProtocolError, SmbStatusError } from "./errors";
import * as m from "./messages";
import { ALL_DIALECTS, dialectName, negotiate, NegotiateResult } from "./negotiate";
import { sessionSetup, SessionInfo } from "./session";
import { validateNegotiate } from "./validateNegotiate";
import { SmbReadStream, SmbReadStreamOptions, SmbWriteStream, SmbWriteStreamOptions } from "./streams";

export interface SmbClientOptions {
  host: string;
  /** TCP port (default 445). */
  port?: number;
  share: string;
  /** NTLM domain (default ""; a standalone server ignores it). */
  domain?: string;
  user: string;
  password: string;
  /** Dialects to offer (default all, 2.0.2 to 3.1.1). */
  dialects?: number[];
  /** Sign every request and refuse unsigned replies even if the server does not require it (default true; false: sign only when the server requires). */
  requireSigning?: boolean;
  /** Encrypt everything even if the server does not require it (default false). */
  requireEncryption?: boolean;
  /** Connect timeout in ms (default 15000). */
  connectTimeoutMs?: number;
  /** A request without any answer for this long fails the connection, in ms (default 120000). */
  requestTimeoutMs?: number;
  /** A request without its final answer this long after it was sent fails the connection, in ms (default 600000; interim replies do not extend it). */
  requestDeadlineMs?: number;
  /** Most QUERY_DIRECTORY pages for one listing (default 10000). */
  maxListPages?: number;
  /** Most entries in one listing (default 1000000). */
  maxListEntries?: number;
}

export interface SmbStat {
  isDirectory: boolean;
  size: number;
  mtime: Date;
  ctime: Date;
  birthtime: Date;
  attributes: number;
}

export interface SmbDirEntry extends SmbStat {
  name: string;
}

export interface SmbHandle {
  readonly fileId: Buffer;
  readonly path: string;
  /** Size at open time. */
  readonly size: number;
  readonly isDirectory: boolean;
}

export interface OpenOptions {
  /** "attributes": metadata only (stat, rename, delete), which never conflicts with others' opens of the data. */
  access?: "attributes" | "read" | "write" | "readwrite";
  /** open: must exist; create: must not exist; overwrite: create or truncate; openOrCreate. */
  disposition?: "open" | "create" | "overwrite" | "openOrCreate";
  directory?: boolean;
  /** Also ask for DELETE access (needed for rename/delete through the handle). */
  deleteAccess?: boolean;
}

/** Share-relative path in SMB form: backslashes, no leading or trailing separator. */
export function smbPath(p: string): string {
  return p.replace(/\//g, "\\").split("\\").filter((s) => s.length > 0 && s !== ".").join("\\");
}

export class SmbClient {
  // Logging or serializing a client must never show its session, signing or encryption keys.
  [inspect.custom](): string {
    return `SmbClient { unc: ${this.unc}, user: ${this.options.user} }`;
  }
  toJSON(): object {
    return { unc: this.unc, user: this.options.user };
  }

  readonly options: Readonly<Omit<SmbClientOptions, "password">>;
  /** Largest READ/WRITE per request: 1 MiB (8 in flight saturate loopback), or less if the server says so. */
  readonly ioSize: number;
  private treeId_ = 0;
  private treeEncrypted = false;

  private constructor(
    private readonly conn: SmbConnection,
    readonly negotiated: NegotiateResult,
    readonly sessionInfo: SessionInfo,
    opts: SmbClientOptions,
  ) {
    const { password: _omit, ...rest } = opts;
    void _omit;
    this.options = rest;
    const large = conn.largeMtu ? 1 << 20 : 65536;
    this.ioSize = Math.min(large, negotiated.maxReadSize, negotiated.maxWriteSize);
  }

  /** `\\host\share` for messages. */
  get unc(): string {
    return `\\\\${this.options.host}${this.options.port && this.options.port !== 445 ? ":" + this.options.port : ""}\\${this.options.share}`;
  }

  /** The tree's id on the connection. */
  get treeId(): number {
    return this.treeId_;
  }

  get dialect(): number {
    return this.negotiated.dialect;
  }

  get encrypted(): boolean {
    return this.sessionInfo.encrypted || this.treeEncrypted;
  }

  get signed(): boolean {
    return this.sessionInfo.signed;
  }

  static async connect(opts: SmbClientOptions): Promise<SmbClient> {
    const port = opts.port ?? 445;
    const conn = new SmbConnection({
      host: opts.host, port, connectTimeoutMs: opts.connectTimeoutMs, requestTimeoutMs: opts.requestTimeoutMs, requestDeadlineMs: opts.requestDeadlineMs,
    });
    await conn.connect();
    try {
      const dialects = opts.dialects ?? ALL_DIALECTS;
      const requireSigning = opts.requireSigning ?? true;
      const clientGuid = randomBytes(16);
      const neg = await negotiate(conn, { dialects, requireSigning, clientGuid });
      conn.dialect = neg.dialect;
      conn.largeMtu = neg.dialect !== Dialect.SMB202 && (neg.capabilities & 0x4) !== 0;
      const info = await sessionSetup(conn, neg, {
        credentials: { domain: opts.domain ?? "", user: opts.user, password: opts.password },
        requireSigning,
        requireEncryption: !!opts.requireEncryption,
      });
      const client = new SmbClient(conn, neg, info, opts);
      await client.treeConnect();
      // 3.0/3.0.2 have no preauth integrity: the signed VALIDATE_NEGOTIATE_INFO is what shows
      // NEGOTIATE was not altered (3.1.1's keys already depend on it; 2.x cannot be protected).
      if ((neg.dialect === Dialect.SMB300 || neg.dialect === Dialect.SMB302) && info.signed && !client.encrypted) {
        await validateNegotiate(conn, client.treeId, { dialects, requireSigning, clientGuid }, neg);
      }
      return client;
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  private async treeConnect(): Promise<void> {
    const s = this.conn.session;
    const path = `\\\\${this.options.host}\\${this.options.share}`;
    // 3.1.1 requires TREE_CONNECT signed (or encrypted) even when signing is otherwise off.
    const res = await this.conn.request({
      command: Command.TREE_CONNECT,
      body: m.treeConnectBody(path),
      sign: this.dialect === Dialect.SMB311 ? true : undefined,
    });
    if (res.header.status !== Status.SUCCESS) {
      // Samba refuses a share that requires encryption to a session that cannot encrypt.
      const hint = res.header.status === Status.ACCESS_DENIED && !s?.encryptionKey
        ? ` (if the share requires encryption: this session negotiated SMB ${dialectName(this.dialect)} without a cipher; SMB 3.x is needed)`
        : "";
      throw new SmbStatusError(res.header.status, `TREE_CONNECT to share "${this.options.share}"${hint}`, this.unc);
    }
    const tc = m.parseTreeConnect(res.body);
    this.treeId_ = res.header.treeId;
    if (tc.shareFlags & ShareFlags.ENCRYPT_DATA) {
      if (!s?.encryptionKey) {
        throw new SmbConnectionError(`SMB: share ${this.unc} requires encryption but the session has no cipher (dialect 0x${this.dialect.toString(16)}); allow SMB 3.x`, "EPROTO");
      }
      this.treeEncrypted = true;
    }
  }

  /**
   * Sends a request on this tree; throws SmbStatusError for statuses not in ok. `what` names it
   * in that error (a function where a READ or WRITE per MiB would build the text for nothing).
   */
  async call(command: number, body: Buffer, what: string | (() => string), payloadSize = 0, ok: number[] = [Status.SUCCESS], data?: Buffer | readonly Buffer[]): Promise<SmbResponse> {
    const res = await this.conn.request({
      command, body, data, treeId: this.treeId_, payloadSize,
      encrypt: this.treeEncrypted ? true : undefined,
    });
    if (!ok.includes(res.header.status)) throw new SmbStatusError(res.header.status, typeof what === "function" ? what() : what, "");
    return res;
  }

  where(path: string): string {
    const p = smbPath(path);
    return p ? `${this.unc}\\${p}` : this.unc;
  }

  async open(path: string, opts: OpenOptions = {}): Promise<SmbHandle> {
    const p = smbPath(path);
    const access = opts.access ?? "read";
    let desired = Access.READ_ATTRIBUTES | Access.SYNCHRONIZE;
    if (access === "read" || access === "readwrite") desired |= Access.READ_DATA | Access.READ_EA | Access.READ_CONTROL;
    if (access === "write" || access === "readwrite") desired |= Access.WRITE_DATA | Access.APPEND_DATA | Access.WRITE_ATTRIBUTES | Access.WRITE_EA;
    if (opts.deleteAccess) desired |= Access.DELETE;
    const disp = { open: Disposition.OPEN, create: Disposition.CREATE, overwrite: Disposition.OVERWRITE_IF, openOrCreate: Disposition.OPEN_IF }[opts.disposition ?? "open"];
    const options = opts.directory === true ? CreateOptions.DIRECTORY_FILE : opts.directory === false ? CreateOptions.NON_DIRECTORY_FILE : 0;
    const res = await this.conn.request({
      command: Command.CREATE,
      treeId: this.treeId_,
      encrypt: this.treeEncrypted ? true : undefined,
      body: m.createBody({
        path: p, desiredAccess: desired,
        fileAttributes: opts.directory ? FileAttributes.DIRECTORY : FileAttributes.NORMAL,
        shareAccess: ShareAccess.ALL, disposition: disp, options,
      }),
    });
    if (res.header.status !== Status.SUCCESS) throw new SmbStatusError(res.header.status, `open (CREATE) of ${this.where(p)}`, "");
    const c = m.parseCreate(res.body);
    return { fileId: c.fileId, path: p, size: c.endOfFile, isDirectory: (c.fileAttributes & FileAttributes.DIRECTORY) !== 0 };
  }

  async close(h: SmbHandle): Promise<void> {
    await this.call(Command.CLOSE, m.closeBody(h.fileId), `CLOSE of ${this.where(h.path)}`);
  }

  /** Reads up to length bytes at offset; an empty buffer at or past the end of the file. */
  async read(h: SmbHandle, offset: number, length: number): Promise<Buffer> {
    const pieces = await this.readv(h, offset, length);
    return pieces.length === 1 ? pieces[0] : Buffer.concat(pieces);
  }

  /**
   * Reads up to length bytes at offset as the pieces they arrived in (views of the socket's
   * reads, never joined); none at or past the end of the file.
   */
  async readv(h: SmbHandle, offset: number, length: number): Promise<Buffer[]> {
    const res = await this.call(Command.READ, m.readBody(h.fileId, offset, length), () => `READ of ${this.where(h.path)}`, length, [Status.SUCCESS, Status.END_OF_FILE]);
    if (res.header.status === Status.END_OF_FILE) return [];
    return m.parseReadPieces(res.body, res.raw, res.rest ?? []);
  }

  /**
   * As readv, but the pieces are lent: call release once done with them (they are overwritten
   * by later reads after that). A reader that copies or keeps nothing (a hash) reads this way
   * without allocating.
   */
  async readLent(h: SmbHandle, offset: number, length: number): Promise<{ pieces: Buffer[]; release: () => void }> {
    const res = await this.conn.request({
      command: Command.READ, body: m.readBody(h.fileId, offset, length), treeId: this.treeId_, payloadSize: length,
      encrypt: this.treeEncrypted ? true : undefined, lend: true,
    });
    const release = res.release ?? ((): void => undefined);
    try {
      if (res.header.status === Status.END_OF_FILE) {
        release();
        return { pieces: [], release };
      }
      if (res.header.status !== Status.SUCCESS) throw new SmbStatusError(res.header.status, `READ of ${this.where(h.path)}`, "");
      return { pieces: m.parseReadPieces(res.body, res.raw, res.rest ?? []), release };
    } catch (e) {
      release();
      throw e;
    }
  }

  /**
   * Writes all of data (one buffer or pieces, sent as they are) at offset, looping on short
   * writes. Leave the data unchanged until this settles.
   */
  async write(h: SmbHandle, offset: number, data: Buffer | readonly Buffer[]): Promise<void> {
    const pieces = Buffer.isBuffer(data) ? [data] : data;
    const total = pieces.reduce((n, d) => n + d.length, 0);
    let done = 0;
    while (done < total) {
      const len = Math.min(this.ioSize, total - done);
      const part = done === 0 && len === total ? pieces : slicePieces(pieces, done, done + len);
      const res = await this.call(Command.WRITE, m.writeBody(h.fileId, offset + done, len), () => `WRITE to ${this.where(h.path)}`, len, [Status.SUCCESS], part);
      const n = m.parseWrite(res.body);
      if (n === 0) throw new SmbStatusError(Status.DISK_FULL, `WRITE to ${this.where(h.path)} (0 bytes accepted)`, this.unc);
      // A server accepting more than was sent would make us skip data.
      if (n > len) throw new SmbProtocolError(`SMB: ${this.unc} acknowledged ${n} bytes of a ${len}-byte WRITE to ${this.where(h.path)}; refused`);
      done += n;
    }
  }

  async flush(h: SmbHandle): Promise<void> {
    await this.call(Command.FLUSH, m.flushBody(h.fileId), `FLUSH of ${this.where(h.path)}`);
  }

  async queryInfo(h: SmbHandle, infoType: number, infoClass: number, outputLength = 4096): Promise<Buffer> {
    const res = await this.call(Command.QUERY_INFO, m.queryInfoBody(h.fileId, infoType, infoClass, outputLength), `QUERY_INFO on ${this.where(h.path)}`, outputLength);
    return Buffer.from(m.parseOutputBuffer(res.body, res.raw));
  }

  async setInfo(h: SmbHandle, infoClass: number, data: Buffer): Promise<void> {
    await this.call(Command.SET_INFO, m.setInfoBody(h.fileId, InfoType.FILE, infoClass, data), `SET_INFO on ${this.where(h.path)}`, data.length);
  }

  /** Runs fn with an open handle and always closes it. */
  async withHandle<T>(path: string, opts: OpenOptions, fn: (h: SmbHandle) => Promise<T>): Promise<T> {
    const h = await this.open(path, opts);
    try {
      return await fn(h);
    } finally {
      await this.close(h).catch(() => undefined);
    }
  }

  /** File or folder attributes, or undefined if the path does not exist. */
  async stat(path: string): Promise<SmbStat | undefined> {
    let h: SmbHandle;
    try {
      h = await this.open(path, { access: "attributes" });
    } catch (e) {
      if (e instanceof SmbStatusError && e.code === "ENOENT") return undefined;
      throw e;
    }
    try {
      const info = m.parseNetworkOpenInfo(await this.queryInfo(h, InfoType.FILE, FileInfoClass.FileNetworkOpenInformation, 56));
      return toStat(info);
    } finally {
      await this.close(h).catch(() => undefined);
    }
  }

  async list(path: string): Promise<SmbDirEntry[]> {
    const maxPages = this.options.maxListPages ?? 10_000;
    const maxEntries = this.options.maxListEntries ?? 1_000_000;
    return this.withHandle(path, { access: "read", directory: true }, async (h) => {
      const out: SmbDirEntry[] = [];
      for (let page = 0; ; page++) {
        const first = page === 0;
        // A server that never says NO_MORE_FILES would otherwise fill memory.
        if (page >= maxPages) {
          throw new SmbProtocolError(`SMB: ${this.unc} kept listing ${this.where(path)} past ${maxPages} pages (${out.length} entries): a broken or hostile server (maxListPages)`);
        }
        const res = await this.call(
          Command.QUERY_DIRECTORY,
          m.queryDirectoryBody(h.fileId, FileInfoClass.FileIdBothDirectoryInformation, first ? 1 : 0, "*", 65536),
          `list (QUERY_DIRECTORY) of ${this.where(path)}`, 65536,
          [Status.SUCCESS, Status.NO_MORE_FILES, Status.NO_SUCH_FILE],
        );
        if (res.header.status !== Status.SUCCESS) break;
        for (const e of m.parseIdBothDirectory(m.parseOutputBuffer(res.body, res.raw))) {
          if (e.name === "." || e.name === "..") continue;
          // A name that is empty or holds a separator would name another path (or the folder
          // itself: a recursive remove would loop on it forever).
          if (e.name === "" || /[\\/\0]/.test(e.name)) {
            throw new SmbProtocolError(`SMB: ${this.unc} listed an entry named ${JSON.stringify(e.name)} in ${this.where(path)}: not a file name (empty or holding a separator); refused`);
          }
          if (out.length >= maxEntries) {
            throw new SmbProtocolError(`SMB: ${this.unc} listed more than ${maxEntries} entries in ${this.where(path)}: refused (maxListEntries)`);
          }
          out.push({ name: e.name, ...toStat(e) });
        }
      }
      return out;
    });
  }

  /** Creates one folder; fails with EEXIST if the name exists. */
  async mkdir(path: string): Promise<void> {
    const h = await this.open(path, { access: "read", disposition: "create", directory: true });
    await this.close(h);
  }

  /**
   * Creates a folder and its missing parents; succeeds if it exists already as a folder. Each
   * level is looked at first and created with FILE_CREATE only when missing: FILE_OPEN_IF on an
   * existing folder is taken by some servers (impacket) as an open-with-truncate and refused.
   */
  async mkdirp(path: string): Promise<void> {
    const parts = smbPath(path).split("\\").filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join("\\");
      let st = await this.stat(sub);
      if (!st) {
        try {
          await this.mkdir(sub);
          continue;
        } catch (e) {
          // Created meanwhile by someone else: fine if it is a folder.
          if (!(e instanceof SmbStatusError && e.code === "EEXIST")) throw e;
          st = await this.stat(sub);
        }
      }
      if (!st?.isDirectory) {
        throw Object.assign(new Error(`SMB: cannot create folder ${this.where(sub)}: a file has that name; rename or remove it`), { code: "ENOTDIR" });
      }
    }
  }

  /** Renames (moves) within the share; replace overwrites an existing file (not a non-empty folder). */
  async rename(from: string, to: string, replace = false): Promise<void> {
    await this.withHandle(from, { access: "attributes", deleteAccess: true }, (h) =>
      this.call(Command.SET_INFO, m.setInfoBody(h.fileId, InfoType.FILE, FileInfoClass.FileRenameInformation, m.renameInfo(smbPath(to), replace)),
        `rename of ${this.where(from)} to ${this.where(to)}`),
    );
  }

  /** Deletes a file or an empty folder (SET_INFO disposition, applied at close). */
  async delete(path: string): Promise<void> {
    await this.withHandle(path, { access: "attributes", deleteAccess: true }, (h) =>
      this.setInfo(h, FileInfoClass.FileDispositionInformation, Buffer.from([1])),
    );
  }

  /** Total and caller-available bytes of the volume holding path (FileFsFullSizeInformation). */
  async space(path = ""): Promise<{ totalBytes: number; freeBytes: number } | undefined> {
    return this.withHandle(path, { access: "attributes" }, async (h) => {
      const b = await this.queryInfo(h, InfoType.FILESYSTEM, FileInfoClass.FileFsFullSizeInformation, 32);
      // Some servers (impacket) answer with an empty structure: the space is unknown, not an error.
      if (b.length < 32) return undefined;
      const unit = b.readUInt32LE(24) * b.readUInt32LE(28);
      return { totalBytes: Number(b.readBigUInt64LE(0)) * unit, freeBytes: Number(b.readBigUInt64LE(8)) * unit };
    });
  }

  /** Truncates or extends a file. */
  async setSize(path: string, size: number): Promise<void> {
    await this.withHandle(path, { access: "write" }, (h) => this.setSizeOf(h, size));
  }

  async setSizeOf(h: SmbHandle, size: number): Promise<void> {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(size));
    await this.setInfo(h, FileInfoClass.FileEndOfFileInformation, b);
  }

  createReadStream(path: string, opts: SmbReadStreamOptions = {}): SmbReadStream {
    return new SmbReadStream(this, path, opts);
  }

  createWriteStream(path: string, opts: SmbWriteStreamOptions = {}): SmbWriteStream {
    return new SmbWriteStream(this, path, opts);
  }

  /**
   * Waits for a change in a folder (CHANGE_NOTIFY). The server answers at once with an interim
   * STATUS_PENDING and completes when something changes; abort the signal to CANCEL it.
   * Resolves true on a change, false if cancelled.
   */
  async waitForChange(h: SmbHandle, signal?: AbortSignal): Promise<boolean> {
    const body = Buffer.alloc(32);
    body.writeUInt16LE(32, 0);
    body.writeUInt32LE(4096, 4);
    h.fileId.copy(body, 8);
    body.writeUInt32LE(0x17, 24); // file name, dir name, attributes, last write
    let id: bigint | undefined;
    const onAbort = (): void => {
      if (id !== undefined) this.conn.cancel(id);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const res = await this.conn.request({
        command: Command.CHANGE_NOTIFY, body, treeId: this.treeId_, payloadSize: 4096,
        encrypt: this.treeEncrypted ? true : undefined,
        onMessageId: (mid) => (id = mid),
      });
      if (res.header.status === Status.CANCELLED) return false;
      if (res.header.status !== Status.SUCCESS && res.header.status !== 0x0000010c) {
        throw new SmbStatusError(res.header.status, `CHANGE_NOTIFY on ${this.where(h.path)}`, "");
      }
      return true;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Sends ECHO: a cheap liveness probe. */
  async echo(): Promise<void> {
    const res = await this.conn.request({ command: Command.ECHO, body: m.emptyBody4(), encrypt: this.encrypted ? true : undefined });
    if (res.header.status !== Status.SUCCESS) throw new SmbStatusError(res.header.status, "ECHO", this.unc);
  }

  /** Socket read memory of the connection: slabs allocated, reused, tainted (for tests and diagnostics). */
  get slabStats(): Readonly<SmbConnection["slabStats"]> {
    return this.conn.slabStats;
  }

  /** Request counters of the connection (for tests and diagnostics). */
  get stats(): Readonly<SmbConnection["stats"]> {
    return this.conn.stats;
  }

  get connectionLost(): boolean {
    return this.conn.closed;
  }

  /** Tree disconnect, logoff, close the socket; `deadline` (ms since the epoch) bounds the goodbyes. Never throws. */
  async disconnect(deadline?: number): Promise<void> {
    if (!this.conn.closed) {
      const goodbye = (async () => {
        await this.conn.request({ command: Command.TREE_DISCONNECT, body: m.emptyBody4(), treeId: this.treeId_, encrypt: this.encrypted ? true : undefined });
        await this.conn.request({ command: Command.LOGOFF, body: m.emptyBody4(), encrypt: this.encrypted ? true : undefined });
      })().catch(() => undefined); // the connection is going away anyway
      let timer: NodeJS.Timeout | undefined;
      const bound = deadline === undefined ? undefined : new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - Date.now()))));
      await (bound ? Promise.race([goodbye, bound]) : goodbye);
      clearTimeout(timer);
    }
    this.conn.close();
  }
}

function toStat(i: m.FileAttributesInfo): SmbStat {
  return {
    isDirectory: (i.fileAttributes & FileAttributes.DIRECTORY) !== 0,
    size: i.endOfFile,
    mtime: i.lastWriteTime,
    ctime: i.changeTime,
    birthtime: i.creationTime,
    attributes: i.fileAttributes,
  };
}
