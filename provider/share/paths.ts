/** Share-relative path handling, and parsing of UNC strings into connection settings. */

/** Splits a share-relative path into components, refusing `..` (a path must stay inside the share). */
export function pathParts(p: string): string[] {
  const parts = p.split(/[\\/]+/).filter((s) => s.length > 0 && s !== ".");
  if (parts.includes("..")) throw Object.assign(new Error(`share path "${p}" contains "..": paths must stay inside the share`), { code: "EINVAL" });
  return parts;
}

export function joinPath(...ps: string[]): string {
  return ps.flatMap(pathParts).join("/");
}

export function dirname(p: string): string {
  const parts = pathParts(p);
  return parts.slice(0, -1).join("/");
}

export function basename(p: string): string {
  const parts = pathParts(p);
  return parts[parts.length - 1] ?? "";
}

export interface UncLocation {
  host: string;
  port?: number;
  share: string;
  /** Folder inside the share, `/`-separated, "" for the root. */
  path: string;
}

/** True for `\\host\share...` and `//host/share...`. */
export function isUnc(s: string): boolean {
  return /^(\\\\|\/\/)[^\\/]/.test(s);
}

/**
 * Parses `\\host[:port]\share\dir` or `//host[:port]/share/dir`. IPv6 hosts go in brackets:
 * `\\[::1]:4445\share`.
 */
export function parseUnc(s: string): UncLocation {
  if (!isUnc(s)) throw Object.assign(new Error(`"${s}" is not a UNC path: expected \\\\host[:port]\\share\\folder or //host[:port]/share/folder`), { code: "EINVAL" });
  const parts = s.slice(2).split(/[\\/]+/).filter((x) => x.length > 0);
  if (parts.length < 2) throw Object.assign(new Error(`UNC path "${s}" names no share: expected \\\\host[:port]\\share\\folder`), { code: "EINVAL" });
  const hostPart = parts[0];
  let port: number | undefined;
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPart) ?? /^([^:]+)(?::(\d+))?$/.exec(hostPart);
  if (!m) throw Object.assign(new Error(`UNC path "${s}" has a malformed host "${hostPart}"`), { code: "EINVAL" });
  const host = m[1];
  if (m[2] !== undefined) {
    port = Number(m[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw Object.assign(new Error(`UNC path "${s}" has an invalid port "${m[2]}"`), { code: "EINVAL" });
  }
  return { host, port, share: parts[1], path: pathParts(parts.slice(2).join("/")).join("/") };
}

/** `\\host[:port]\share\path` */
export function formatUnc(l: UncLocation): string {
  const host = l.host.includes(":") ? `[${l.host}]` : l.host;
  const hp = l.port && l.port !== 445 ? `${host}:${l.port}` : host;
  const tail = pathParts(l.path).join("\\");
  return `\\\\${hp}\\${l.share}${tail ? "\\" + tail : ""}`;
}
