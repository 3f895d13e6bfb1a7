import { Share, SmbConnectionError, formatUnc, isUnc, openShare, parseUnc } from "../share";
import { smbSessionExpired } from "../share/smbShare";
import { shareCredentials, shareSecurity } from "../config";
import { sessionKey, sessions } from "../sessions";
import { explained } from "../errorHints";
import { kindOf, tag } from "../errorKinds";

/** The folder does not exist (yet): raised by the pooled open, so it is told apart from fn's own errors. */
class FolderMissing extends Error {}

/** Folders being made, by pool key: parallel first exports make it once. */
const making = new Map<string, Promise<void>>();

/**
 * Runs `fn` with the share folder opened (our SMB client for UNC paths), the connection shared by
 * every call of this host process (sessions/pool.ts). A missing folder is made when `create` (an
 * export's first run); otherwise `fn` gets undefined.
 */
export function withShare<T>(shareFolder: string, fn: (share: Share | undefined) => Promise<T>, how: { create?: boolean } = {}): Promise<T> {
  // Errors leave with the settings to check (errorHints.ts).
  return explained(() => pooledShare(shareFolder, fn, how));
}

async function pooledShare<T>(shareFolder: string, fn: (share: Share | undefined) => Promise<T>, how: { create?: boolean }): Promise<T> {
  const c = shareCredentials();
  if (!c.user || !c.password) {
    throw new Error(
      `OvfExport.shareFolder: ${shareFolder} needs credentials: run \`pulumi config set applayering:shareUser …\` and ` +
        "`pulumi config set --secret applayering:sharePassword …` (or set APPLAYERING_SHARE_USER and APPLAYERING_SHARE_PASSWORD)",
    );
  }
  const creds = { user: c.user, password: c.password, domain: c.domain };
  const sec = shareSecurity();
  const opts = { requireSigning: sec.signing === "required", requireEncryption: sec.encryption === "required" };
  const folder = isUnc(shareFolder) ? formatUnc(parseUnc(shareFolder)) : shareFolder;
  const key = sessionKey("share", folder, [creds.user, creds.password, creds.domain, sec.signing, sec.encryption]);
  const open = (): Promise<Share> =>
    openShare(shareFolder, creds, opts).catch((err: { code?: string; message?: string }) => {
      if (err.code === "EAUTH") {
        // errorHints names the settings to fix; the SMB error itself never carries the password.
        throw tag(new Error(`OvfExport.shareFolder: ${shareFolder} refused the logon of "${c.user}" (${err.message})`), "auth", "share");
      }
      if (err.code === "ENOSHARE" || err.code === "ECONNREFUSED" || err.code === "ENOTFOUND") {
        const kind = kindOf(err)?.kind ?? "unreachable";
        throw tag(new Error(`OvfExport.shareFolder: ${shareFolder} cannot be opened (${err.message}): check the server, port and share name`), kind, "share");
      }
      if (err.code === "ENOENT") throw new FolderMissing(err.message);
      throw err;
    });
  const kind = {
    open,
    close: (share: Share, deadline: number) => share.close(deadline),
    expired: (err: unknown) => err instanceof SmbConnectionError || smbSessionExpired(err),
  };
  try {
    return await sessions.use(key, kind, fn);
  } catch (err) {
    if (!(err instanceof FolderMissing)) throw err;
  }
  if (!how.create) return fn(undefined);
  // The exports folder does not exist yet: make it, as an admin would before the first export.
  let made = making.get(key);
  if (!made) {
    made = (async () => {
      const loc = parseUnc(shareFolder);
      const root = await openShare(formatUnc({ ...loc, path: "" }), creds, opts);
      try {
        await root.mkdirp(loc.path);
      } finally {
        await root.close().catch(() => undefined);
      }
    })().finally(() => making.delete(key));
    making.set(key, made);
  }
  await made;
  return sessions.use(key, kind, fn);
}
