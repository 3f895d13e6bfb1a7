/** `\\host[:port]\share\dir\file.ovf` paths and the share credentials from the environment. */
import { CliError } from "./io";

export interface ShareLocation {
  host: string;
  port?: number;
  share: string;
  /** Share-relative path with backslashes, e.g. `layers\win2019\win2019.ovf`. */
  path: string;
}

export interface ShareCredentials {
  user: string;
  password: string;
  domain?: string;
}

export function isUncPath(p: string): boolean {
  return p.startsWith("\\\\");
}

export function parseUnc(p: string): ShareLocation {
  const parts = p.slice(2).split(/[\\/]/).filter((s) => s !== "");
  if (parts.length < 3) {
    throw new CliError(`"${p}" is not a file on a share; write it as \\\\host\\share\\folder\\name.ovf`);
  }
  const [hostPort, share, ...rest] = parts;
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(hostPort);
  if (!m) throw new CliError(`"${hostPort}" in "${p}" is not host or host:port`);
  const loc: ShareLocation = { host: m[1], share, path: rest.join("\\") };
  if (m[2] !== undefined) {
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new CliError(`port ${m[2]} in "${p}" is out of range (1-65535)`);
    loc.port = port;
  }
  return loc;
}

/** The provider's applayering:shareUser/sharePassword/shareDomain, as the environment gives them. */
export function shareCredentialsFromEnv(env: Readonly<Record<string, string | undefined>>): ShareCredentials {
  const user = env.APPLAYERING_SHARE_USER;
  const password = env.APPLAYERING_SHARE_PASSWORD;
  const missing = [user ? "" : "APPLAYERING_SHARE_USER", password ? "" : "APPLAYERING_SHARE_PASSWORD"].filter((s) => s);
  if (missing.length > 0) {
    throw new CliError(`reading from a share needs credentials: set ${missing.join(" and ")} (and APPLAYERING_SHARE_DOMAIN if the account is in a domain)`);
  }
  const creds: ShareCredentials = { user: user as string, password: password as string };
  if (env.APPLAYERING_SHARE_DOMAIN) creds.domain = env.APPLAYERING_SHARE_DOMAIN;
  return creds;
}

/** Removes a secret from text that is about to be printed. */
export function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join("***") : text;
}
