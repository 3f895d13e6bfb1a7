/**
 * Connection settings, read inside the provider: from the stack configuration handed to the
 * dynamic-provider host's configure(), else from the environment. Never resource inputs, never
 * captured in the serialized provider, never printed (DESIGN.md, "Contracts").
 */
import { normalizeSdkUrl } from "./vsphere/session";
import type { ShareCredentials } from "./share";

/** What the host's configure() hands over: raw string values by namespaced key. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/** Thrown when a required setting is missing or malformed; names the config key and env var. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

interface Key {
  config: string;
  env: string;
  secret?: boolean;
}

export const KEYS = {
  vsphereServer: { config: "vsphere:vsphereServer", env: "VSPHERE_SERVER" },
  vsphereUser: { config: "vsphere:user", env: "VSPHERE_USER" },
  vspherePassword: { config: "vsphere:password", env: "VSPHERE_PASSWORD", secret: true },
  vsphereInsecure: { config: "vsphere:allowUnverifiedSsl", env: "VSPHERE_ALLOW_UNVERIFIED_SSL" },
  // Not under vsphere: (pulumi-vsphere validates its own namespace): pinning and a CA are ours.
  vsphereThumbprint: { config: "applayering:vsphereThumbprint", env: "APPLAYERING_VSPHERE_THUMBPRINT" },
  vsphereCaCert: { config: "applayering:vsphereCaCert", env: "APPLAYERING_VSPHERE_CA_CERT" },
  elmAddress: { config: "applayering:elmAddress", env: "APPLAYERING_ELM_ADDRESS" },
  elmUser: { config: "applayering:elmUser", env: "APPLAYERING_ELM_USER" },
  elmPassword: { config: "applayering:elmPassword", env: "APPLAYERING_ELM_PASSWORD", secret: true },
  elmCaCert: { config: "applayering:elmCaCert", env: "APPLAYERING_ELM_CA_CERT" },
  elmInsecure: { config: "applayering:elmInsecure", env: "APPLAYERING_ELM_INSECURE" },
  shareUser: { config: "applayering:shareUser", env: "APPLAYERING_SHARE_USER" },
  sharePassword: { config: "applayering:sharePassword", env: "APPLAYERING_SHARE_PASSWORD", secret: true },
  shareDomain: { config: "applayering:shareDomain", env: "APPLAYERING_SHARE_DOMAIN" },
  maxReplyBytes: { config: "applayering:maxReplyBytes", env: "APPLAYERING_MAX_REPLY_BYTES" },
  ownerKey: { config: "applayering:ownerKey", env: "APPLAYERING_OWNER_KEY", secret: true },
  shareSigning: { config: "applayering:shareSigning", env: "APPLAYERING_SHARE_SIGNING" },
  shareEncryption: { config: "applayering:shareEncryption", env: "APPLAYERING_SHARE_ENCRYPTION" },
  guestUser: { config: "applayering:guestUser", env: "APPLAYERING_GUEST_USER" },
  guestPassword: { config: "applayering:guestPassword", env: "APPLAYERING_GUEST_PASSWORD", secret: true },
  guestPollMs: { config: "applayering:guestPollMs", env: "APPLAYERING_GUEST_POLL_MS" },
  elmPollMaxMs: { config: "applayering:elmPollMaxMs", env: "APPLAYERING_ELM_POLL_MAX_MS" },
  sessionIdleSeconds: { config: "applayering:sessionIdleSeconds", env: "APPLAYERING_SESSION_IDLE_SECONDS" },
} as const satisfies Record<string, Key>;

// The host calls configure() once per distinct serialized provider; all of ours share this module.
let hostConfig: ConfigSource | undefined;

/** Called by the trampoline's configure() inside the dynamic-provider host. */
export function setHostConfig(source: ConfigSource | undefined): void {
  hostConfig = source;
}

function raw(key: Key, env: NodeJS.ProcessEnv): string | undefined {
  const fromConfig = hostConfig?.get(key.config);
  if (fromConfig !== undefined && fromConfig !== "") return fromConfig;
  const fromEnv = env[key.env];
  return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
}

function howToSet(key: Key): string {
  return key.secret
    ? `run \`pulumi config set --secret ${key.config} …\` or set ${key.env}`
    : `run \`pulumi config set ${key.config} …\` or set ${key.env}`;
}

function required(key: Key, what: string, env: NodeJS.ProcessEnv): string {
  const v = raw(key, env);
  if (v === undefined) throw new ConfigError(`${what} is not set: ${howToSet(key)}`);
  return v;
}

function flag(key: Key, env: NodeJS.ProcessEnv): boolean {
  const v = raw(key, env);
  if (v === undefined) return false;
  if (/^(1|true|yes)$/i.test(v)) return true;
  if (/^(0|false|no)$/i.test(v)) return false;
  throw new ConfigError(`${key.config} must be true or false, got "${v}"`);
}

/** A CA setting is PEM text or the path of a PEM file. */
function caBundle(key: Key, env: NodeJS.ProcessEnv): string | undefined {
  const v = raw(key, env);
  if (v === undefined || v.includes("-----BEGIN")) return v;
  try {
    return require("node:fs").readFileSync(v, "utf8") as string;
  } catch {
    throw new ConfigError(`${key.config} names "${v}", which cannot be read: give PEM text or a readable file path`);
  }
}

export interface TlsSettings {
  ca?: string;
  thumbprint?: string;
  insecure: boolean;
}

export interface VsphereSettings {
  /** https://host[:port]/sdk */
  url: string;
  user: string;
  password: string;
  tls: TlsSettings;
}

export interface ElmSettings {
  address: string;
  user: string;
  password: string;
  tls: TlsSettings;
}


export function vsphereSettings(env: NodeJS.ProcessEnv = process.env): VsphereSettings {
  const server = required(KEYS.vsphereServer, "the vCenter address", env);
  let url: string;
  try {
    // `host`, `host:port` or a full URL; the client adds the SDK path `/sdk` when absent.
    url = normalizeSdkUrl(server);
  } catch {
    throw new ConfigError(`${KEYS.vsphereServer.config} "${server}" is not a host name or URL: give e.g. vcenter.example.com`);
  }
  return {
    url,
    user: required(KEYS.vsphereUser, "the vCenter user", env),
    password: required(KEYS.vspherePassword, "the vCenter password", env),
    tls: {
      insecure: flag(KEYS.vsphereInsecure, env),
      thumbprint: raw(KEYS.vsphereThumbprint, env),
      ca: caBundle(KEYS.vsphereCaCert, env),
    },
  };
}

export function elmSettings(env: NodeJS.ProcessEnv = process.env): ElmSettings {
  return {
    address: required(KEYS.elmAddress, "the ELM address", env),
    user: required(KEYS.elmUser, "the ELM user", env),
    password: required(KEYS.elmPassword, "the ELM password", env),
    tls: { insecure: flag(KEYS.elmInsecure, env), ca: caBundle(KEYS.elmCaCert, env) },
  };
}

/** The share account as configured; any part may be missing (the caller names what is). */
export function shareCredentials(env: NodeJS.ProcessEnv = process.env): Partial<ShareCredentials> {
  return { user: raw(KEYS.shareUser, env), password: raw(KEYS.sharePassword, env), domain: raw(KEYS.shareDomain, env) };
}

/** Largest vCenter or ELM reply accepted, in bytes; undefined keeps the client's default (64 MiB). */
export function maxReplyBytes(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = raw(KEYS.maxReplyBytes, env);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1024) {
    throw new ConfigError(`${KEYS.maxReplyBytes.config} (${KEYS.maxReplyBytes.env}) must be a whole number of bytes, at least 1024, got "${v}"`);
  }
  return n;
}

/**
 * How long an unused vCenter, ELM or share session stays logged in, in ms (default 30 s): the
 * engine calls every resource of a stack back to back, and one login serves them all.
 */
export function sessionIdleMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = raw(KEYS.sessionIdleSeconds, env);
  if (v === undefined) return 30_000;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 3600) {
    throw new ConfigError(`${KEYS.sessionIdleSeconds.config} (${KEYS.sessionIdleSeconds.env}) must be a number of seconds from 0 to 3600, got "${v}"`);
  }
  return Math.round(n * 1000);
}

/** The Windows account of OsMachine.prepare's guest operations (applayering:guestUser / applayering:guestPassword). */
export function guestCredentials(env: NodeJS.ProcessEnv = process.env): { user: string; password: string } {
  return {
    user: required(KEYS.guestUser, "the guest account for OsMachine.prepare", env),
    password: required(KEYS.guestPassword, "the guest account's password for OsMachine.prepare", env),
  };
}

/** Pause between two looks at a running guest step, in ms; undefined keeps the runner's 2000. */
export function guestPollMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = raw(KEYS.guestPollMs, env);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 10 || n > 600_000) {
    throw new ConfigError(`${KEYS.guestPollMs.config} (${KEYS.guestPollMs.env}) must be a number of milliseconds from 10 to 600000, got "${v}"`);
  }
  return n;
}

/** The secret that keys ownership marks (owner.ts), when set. */
export function ownerKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return raw(KEYS.ownerKey, env);
}

export interface ShareSecurity {
  /** "required" (default): every message signed, unsigned replies refused; "optional": sign only when the server requires it. */
  signing: "required" | "optional";
  /** "auto" (default): encrypt when the server or share requires it; "required": encrypt everything (SMB 3.x). */
  encryption: "auto" | "required";
}

function choice<T extends string>(key: Key, allowed: readonly T[], fallback: T, env: NodeJS.ProcessEnv): T {
  const v = raw(key, env);
  if (v === undefined) return fallback;
  const found = allowed.find((a) => a === v.trim().toLowerCase());
  if (!found) throw new ConfigError(`${key.config} (or ${key.env}) must be ${allowed.map((a) => `"${a}"`).join(" or ")}, got "${v}"`);
  return found;
}

/** The share session's signing and encryption policy (applayering:shareSigning / applayering:shareEncryption). */
export function shareSecurity(env: NodeJS.ProcessEnv = process.env): ShareSecurity {
  return {
    signing: choice(KEYS.shareSigning, ["required", "optional"] as const, "required", env),
    encryption: choice(KEYS.shareEncryption, ["auto", "required"] as const, "auto", env),
  };
}

/** The older name of applayering:elmPollMaxMs (environment only), still read when the new one is unset. */
export const ELM_POLL_ALIAS_ENV = "APPLAYERING_POLL_INTERVAL_MS";

/**
 * Longest pause between two polls of an ELM task or version while nothing changes, in ms
 * (applayering:elmPollMaxMs, or APPLAYERING_ELM_POLL_MAX_MS, or the older APPLAYERING_POLL_INTERVAL_MS).
 * Undefined keeps the client's default (30 s; see provider/elm/polling.ts for what it scales).
 */
export function elmPollMaxMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  let v = raw(KEYS.elmPollMaxMs, env);
  let name = `${KEYS.elmPollMaxMs.config} (${KEYS.elmPollMaxMs.env})`;
  if (v === undefined && env[ELM_POLL_ALIAS_ENV]) {
    v = env[ELM_POLL_ALIAS_ENV];
    name = ELM_POLL_ALIAS_ENV;
  }
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 1 || n > 3_600_000) {
    throw new ConfigError(`${name} must be a number of milliseconds from 1 to 3600000 (default 30000), got "${v}"`);
  }
  return n;
}
