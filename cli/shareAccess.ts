/**
 * FileAccess over the product's Share API, for `\\host[:port]\share\folder\name.ovf` paths.
 * The share is opened at the folder holding the given path; paths below are share-relative.
 */
import { formatUnc, openShare, parseUnc, Share } from "../provider/share";
import { shareSecurity, ShareSecurity } from "../provider/config";
import { FileAccess } from "./fileAccess";
import { CliError } from "./io";
import { shareCredentialsFromEnv } from "./shareCredentials";

type UncLocation = ReturnType<typeof parseUnc>;

function parts(p: string): string[] {
  return p.split(/[\\/]+/).filter((s) => s !== "" && s !== ".");
}

/** A FileAccess on an open share whose base folder is `base`; paths are relative to it. */
export function shareFileAccess(share: Share, base: UncLocation): FileAccess {
  const join = (...ps: string[]) => ps.flatMap(parts).join("/");
  const dir = (p: string) => parts(p).slice(0, -1).join("/");
  return {
    display: (p) => formatUnc({ ...base, path: join(base.path, p) }),
    sibling: (p, name) => join(dir(p), name),
    child: (d, name) => join(d, name),
    async size(p) {
      const st = await share.stat(p);
      return st && !st.isDirectory ? st.size : undefined;
    },
    async isDirectory(p) {
      return (await share.stat(p))?.isDirectory ?? false;
    },
    async list(d) {
      return (await share.list(d)).map((e) => e.name);
    },
    readBytes: (p) => share.readFile(p),
    async readRange(p, offset, length) {
      if (length <= 0) return Buffer.alloc(0);
      const chunks: Buffer[] = [];
      let n = 0;
      for await (const chunk of share.createReadStream(p, { start: offset, end: offset + length - 1 })) {
        chunks.push(chunk as Buffer);
        n += (chunk as Buffer).length;
        if (n >= length) break; // the range bounds the reads; this bounds what is kept
      }
      return Buffer.concat(chunks).subarray(0, length);
    },
    async openRead(p) {
      return share.createReadStream(p);
    },
    close: () => share.close(),
  };
}

/**
 * Opens the share for a UNC path with the credentials from the environment. Returns the access
 * and the given path relative to it.
 */
export async function openShareAccess(
  unc: string,
  env: Readonly<Record<string, string | undefined>>,
  open: typeof openShare = openShare,
): Promise<{ access: FileAccess; path: string }> {
  let loc: UncLocation;
  try {
    loc = parseUnc(unc);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  const creds = shareCredentialsFromEnv(env);
  const p = parts(loc.path);
  const base: UncLocation = { ...loc, path: p.slice(0, -1).join("/") };
  let security: ShareSecurity;
  try {
    security = shareSecurity(env as NodeJS.ProcessEnv);
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }
  const share = await open(formatUnc(base), creds, { requireSigning: security.signing === "required", requireEncryption: security.encryption === "required" });
  return { access: shareFileAccess(share, base), path: p[p.length - 1] ?? "" };
}
