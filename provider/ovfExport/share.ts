import { Share, joinPath, openShare, parseUnc } from "../share";
import { shareCredentials } from "../config";

/** Runs `fn` with the share folder opened (our SMB client for UNC paths), and closes it. */
export async function withShare<T>(shareFolder: string, fn: (share: Share) => Promise<T>): Promise<T> {
  const c = shareCredentials();
  if (!c.user || !c.password) {
    throw new Error(
      `OvfExport.shareFolder: ${shareFolder} needs credentials: run \`pulumi config set applayering:shareUser …\` and ` +
        "`pulumi config set --secret applayering:sharePassword …` (or set APPLAYERING_SHARE_USER and APPLAYERING_SHARE_PASSWORD)",
    );
  }
  const share = await openShare(shareFolder, { user: c.user, password: c.password, domain: c.domain });
  try {
    return await fn(share);
  } finally {
    await share.close().catch(() => undefined);
  }
}

/** Path of a file of the export relative to the share's root (what the ELM's ImportOs takes). */
export function sharePath(shareFolder: string, ...parts: string[]): string {
  return joinPath(parseUnc(shareFolder).path, ...parts);
}

/** UNC path of a file of the export. */
export function uncPath(shareFolder: string, ...parts: string[]): string {
  return [shareFolder.replace(/[\\/]+$/, "").replace(/\//g, "\\"), ...parts].join("\\");
}
