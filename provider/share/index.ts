/**
 * The file share: open a share from a UNC path (our SMB2/3 client, or the OS on Windows) or a
 * local/mounted path, and publish exports atomically.
 */
import { LocalShare } from "./localShare";
import { formatUnc, isUnc, parseUnc } from "./paths";
import { SmbShare, SmbShareOptions } from "./smbShare";
import type { Share, ShareSettings } from "./types";
import { tag } from "../errorKinds";

export * from "./types";
export { parseUnc, formatUnc, isUnc, joinPath } from "./paths";
export { Publication, publishFolder, cleanupStalePartials } from "./publish";
export type { PublishOptions, PublishedFolder, PublicationWriteOptions } from "./publish";
export { SmbShare } from "./smbShare";
export type { SmbShareOptions } from "./smbShare";
export { LocalShare } from "./localShare";
export { SmbStatusError, SmbConnectionError, SmbProtocolError } from "./smb/errors";

export interface ShareCredentials {
  domain?: string;
  user: string;
  password: string;
}

export interface OpenShareOptions extends SmbShareOptions {
  /**
   * For UNC paths: "smb" (default) uses our client with the credentials; "os" hands the UNC
   * path to the operating system (Windows, logged-on user). Local paths always use the OS.
   */
  backend?: "smb" | "os";
}

/**
 * Opens a share. target: settings, a UNC string (`\\host[:port]\share\folder` or
 * `//host[:port]/share/folder`, credentials required for SMB), or a local/mounted folder.
 */
export async function openShare(target: ShareSettings | string, creds?: ShareCredentials, opts: OpenShareOptions = {}): Promise<Share> {
  if (typeof target !== "string") return SmbShare.open(target, opts);
  if (!isUnc(target) || opts.backend === "os") return LocalShare.open(target);
  if (!creds) {
    throw tag(Object.assign(new Error(`share ${formatUnc(parseUnc(target))}: a user and password are needed for SMB`), { code: "EINVAL" }), "config", "share");
  }
  return SmbShare.open({ ...parseUnc(target), ...creds }, opts);
}
