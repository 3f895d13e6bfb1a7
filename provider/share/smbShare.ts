/** The Share API over our SMB2/3 client: one connection, paths relative to a base folder. */
import type { Readable, Writable } from "stream";
import { SmbClient, SmbClientOptions } from "./smb/client";
import { SmbStatusError } from "./smb/errors";
import { BaseShare } from "./baseShare";
import { formatUnc, joinPath } from "./paths";
import type { ShareEntry, ShareReadOptions, ShareSettings, ShareStat, ShareWriteOptions } from "./types";

export interface SmbShareOptions {
  /** Offer only these dialects (default 2.0.2 to 3.1.1). */
  dialects?: number[];
  requireSigning?: boolean;
  requireEncryption?: boolean;
  /** Requests in flight per stream (default 8). */
  maxInFlight?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export class SmbShare extends BaseShare {
  readonly location: string;

  private constructor(
    readonly client: SmbClient,
    private readonly base: string,
    settings: ShareSettings,
    private readonly opts: SmbShareOptions,
  ) {
    super();
    this.location = formatUnc(settings);
  }

  static async open(settings: ShareSettings, opts: SmbShareOptions = {}): Promise<SmbShare> {
    const co: SmbClientOptions = {
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
    };
    const client = await SmbClient.connect(co);
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
    await this.client.mkdirp(this.p(path));
  }

  async stat(path: string): Promise<ShareStat | undefined> {
    const s = await this.client.stat(this.p(path));
    return s && { isDirectory: s.isDirectory, size: s.isDirectory ? 0 : s.size, mtime: s.mtime };
  }

  async list(path: string): Promise<ShareEntry[]> {
    const entries = await this.client.list(this.p(path));
    return entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory, size: e.isDirectory ? 0 : e.size, mtime: e.mtime }));
  }

  protected async deleteOne(path: string): Promise<void> {
    try {
      await this.client.delete(this.p(path));
    } catch (e) {
      if (e instanceof SmbStatusError && e.code === "ENOENT") return;
      throw e;
    }
  }

  protected async renameOne(from: string, to: string, replace: boolean): Promise<void> {
    await this.client.rename(this.p(from), this.p(to), replace);
  }

  createWriteStream(path: string, opts: ShareWriteOptions = {}): Writable {
    return this.client.createWriteStream(this.p(path), { overwrite: opts.overwrite !== false, maxInFlight: this.opts.maxInFlight });
  }

  createReadStream(path: string, opts: ShareReadOptions = {}): Readable {
    return this.client.createReadStream(this.p(path), { start: opts.start, end: opts.end, maxInFlight: this.opts.maxInFlight });
  }

  async close(): Promise<void> {
    await this.client.disconnect();
  }
}
