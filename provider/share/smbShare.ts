/** The Share API over our SMB2/3 client: one connection, paths relative to a base folder. */
import { inspect } from "node:util";
import type { Readable, Writable } from "stream";
import { SmbClient, SmbClientOptions } from "./smb/client";
import { readEach, SmbReadStream, SmbWriteStream } from "./smb/streams";
import { SmbStatusError } from "./smb/errors";
import { Status } from "./smb/constants";
import { Relogin } from "../sessions/relogin";
import { BaseShare } from "./baseShare";
import { formatUnc, joinPath } from "./paths";
import type { ShareEntry, ShareReadOptions, ShareSettings, ShareSpace, ShareStat, ShareWriteOptions } from "./types";

export interface SmbShareOptions {
  /** Offer only these dialects (default 2.0.2 to 3.1.1). */
  dialects?: number[];
  /** Default true: sign everything, refuse unsigned replies. */
  requireSigning?: boolean;
  requireEncryption?: boolean;
  /** Requests in flight per stream (default 8). */
  maxInFlight?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Overall limit for one request, interim replies included (default 600000 ms). */
  requestDeadlineMs?: number;
}

/** The server ended our session (expired, or deleted by an admin or a restart): log on again. */
export function smbSessionExpired(err: unknown): boolean {
  return err instanceof SmbStatusError && (err.status === Status.NETWORK_SESSION_EXPIRED || err.status === Status.USER_SESSION_DELETED);
}

/**
 * One SMB connection, re-established on the next operation if the server dropped it (servers
 * close idle sessions, e.g. Windows after 15 minutes); an operation the server answers with an
 * expired or deleted session logs on again and runs once more (sessions/relogin.ts). A stream in
 * progress when the connection is lost fails; re-running it is safe (publications are atomic).
 */
export class SmbShare extends BaseShare {
  // Logging or serializing a share must never show its password or session keys.
  [inspect.custom](): string {
    return `SmbShare { location: ${this.location} }`;
  }
  toJSON(): object {
    return { location: this.location };
  }

  readonly location: string;
  private readonly relogin = new Relogin(async () => {
    const old = this.current;
    this.current = await SmbClient.connect(clientOptions(this.settings, this.opts));
    void old.disconnect();
  });

  private constructor(
    private current: SmbClient,
    private readonly base: string,
    // Kept to reconnect; private, never logged or put in an error.
    private readonly settings: ShareSettings,
    private readonly opts: SmbShareOptions,
  ) {
    super();
    this.location = formatUnc(settings);
  }

  /** The client of the current connection. */
  get client(): SmbClient {
    return this.current;
  }

  /** The current client, reconnecting first if the connection was lost. */
  private async live(): Promise<SmbClient> {
    if (this.current.connectionLost) await this.relogin.renew();
    return this.current;
  }

  /** Runs one operation on the live client; an expired session logs on again and runs it once more. */
  private run<T>(op: (c: SmbClient) => Promise<T>): Promise<T> {
    return this.relogin.call(async () => op(await this.live()), smbSessionExpired);
  }

  static async open(settings: ShareSettings, opts: SmbShareOptions = {}): Promise<SmbShare> {
    const client = await SmbClient.connect(clientOptions(settings, opts));
    const base = joinPath(settings.path);
    const share = new SmbShare(client, base, settings, opts);
    if (base) {
      const st = await client.stat(base).catch(async (e) => {
        await client.disconnect();
        throw e;
      });
      if (!st?.isDirectory) {
        await client.disconnect();
        throw Object.assign(new Error(`share folder ${share.location} does not exist (or is not a folder): create it or fix the path`), { code: "ENOENT" });
      }
    }
    return share;
  }

  private p(path: string): string {
    return joinPath(this.base, path);
  }

  async mkdirp(path: string): Promise<void> {
    await this.run((c) => c.mkdirp(this.p(path)));
  }

  async stat(path: string): Promise<ShareStat | undefined> {
    const s = await this.run((c) => c.stat(this.p(path)));
    return s && { isDirectory: s.isDirectory, size: s.isDirectory ? 0 : s.size, mtime: s.mtime };
  }

  async list(path: string): Promise<ShareEntry[]> {
    const entries = await this.run((c) => c.list(this.p(path)));
    return entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory, size: e.isDirectory ? 0 : e.size, mtime: e.mtime }));
  }

  protected async deleteOne(path: string): Promise<void> {
    try {
      await this.run((c) => c.delete(this.p(path)));
    } catch (e) {
      if (e instanceof SmbStatusError && e.code === "ENOENT") return;
      throw e;
    }
  }

  protected async renameOne(from: string, to: string, replace: boolean): Promise<void> {
    await this.run((c) => c.rename(this.p(from), this.p(to), replace));
  }

  createWriteStream(path: string, opts: ShareWriteOptions = {}): Writable {
    return new SmbWriteStream(this.current, this.p(path), { overwrite: opts.overwrite !== false, start: opts.start, maxInFlight: this.opts.maxInFlight, client: () => this.live() });
  }

  createReadStream(path: string, opts: ShareReadOptions = {}): Readable {
    return new SmbReadStream(this.current, this.p(path), { start: opts.start, end: opts.end, maxInFlight: this.opts.maxInFlight, client: () => this.live() });
  }

  /** Lends each READ's memory to fn and reuses it for the next ones (see SmbClient.readLent). */
  override readEach(path: string, fn: (piece: Buffer) => void | Promise<void>, opts: ShareReadOptions = {}): Promise<number> {
    return readEach(this.current, this.p(path), fn, { start: opts.start, end: opts.end, maxInFlight: this.opts.maxInFlight, client: () => this.live() });
  }

  async space(): Promise<ShareSpace | undefined> {
    return this.run((c) => c.space(this.base));
  }

  /** Tree disconnect and logoff (bounded by `deadline`, ms since the epoch), then the socket closes. */
  async close(deadline?: number): Promise<void> {
    await this.current.disconnect(deadline);
  }
}

function clientOptions(settings: ShareSettings, opts: SmbShareOptions): SmbClientOptions {
  return {
    host: settings.host,
    port: settings.port,
    share: settings.share,
    domain: settings.domain,
    user: settings.user,
    password: settings.password,
    dialects: opts.dialects,
    requireSigning: opts.requireSigning,
    requireEncryption: opts.requireEncryption,
    connectTimeoutMs: opts.connectTimeoutMs,
    requestTimeoutMs: opts.requestTimeoutMs,
    requestDeadlineMs: opts.requestDeadlineMs,
  };
}
