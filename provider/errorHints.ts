/**
 * The one place that turns an error's kind and peer (errorKinds.ts) into the settings to check
 * and the fix. The clients say what happened; this names the Pulumi config keys and environment
 * variables (from config.ts's KEYS), so a renamed setting changes here only.
 */
import { KEYS } from "./config";
import { ErrorKind, Peer, kindOf } from "./errorKinds";

type Key = (typeof KEYS)[keyof typeof KEYS];

/** `a / b (A / B)`: the config keys, then their environment fallbacks. */
function settings(...keys: Key[]): string {
  return `${keys.map((k) => k.config).join(" / ")} (${keys.map((k) => k.env).join(" / ")})`;
}

const REPLY_CAP = `if the peer really sends replies that large, raise ${settings(KEYS.maxReplyBytes)}`;

const HINTS: Record<Peer, Partial<Record<ErrorKind, string>>> = {
  vsphere: {
    auth: `check ${settings(KEYS.vsphereUser, KEYS.vspherePassword)}`,
    tls: `pin vCenter's certificate with ${settings(KEYS.vsphereThumbprint)} or trust its CA with ${settings(KEYS.vsphereCaCert)}; or, knowingly, set ${settings(KEYS.vsphereInsecure)}`,
    unreachable: `check ${settings(KEYS.vsphereServer)} and the network`,
    timeout: `check that vCenter at ${settings(KEYS.vsphereServer)} is reachable and healthy, then run again`,
    protocol: `check that ${settings(KEYS.vsphereServer)} names a vCenter or ESXi SDK endpoint`,
    tooLarge: REPLY_CAP,
    permission: `grant the vSphere user (${settings(KEYS.vsphereUser)}) the missing privilege`,
    config: `check ${settings(KEYS.vsphereServer)}`,
  },
  elm: {
    auth: `check ${settings(KEYS.elmUser, KEYS.elmPassword)}`,
    tls: `give the ELM's CA certificate in ${settings(KEYS.elmCaCert)} or, knowingly, set ${settings(KEYS.elmInsecure)}`,
    unreachable: `check ${settings(KEYS.elmAddress)} and the network`,
    timeout: `check that the ELM at ${settings(KEYS.elmAddress)} is reachable and healthy, then run again`,
    protocol: `check that ${settings(KEYS.elmAddress)} names an App Layering ELM`,
    tooLarge: REPLY_CAP,
    permission: `give the ELM user (${settings(KEYS.elmUser)}) the missing right`,
    config: `set ${settings(KEYS.elmAddress)} to the appliance's host name or URL`,
  },
  guest: {
    auth: `set the guest account of the OS machine in ${settings(KEYS.guestUser, KEYS.guestPassword)}`,
    permission: `give ${settings(KEYS.guestUser, KEYS.guestPassword)} a local administrator account of the guest`,
  },
  share: {
    auth: `check ${KEYS.shareUser.config}, ${KEYS.sharePassword.config} and ${KEYS.shareDomain.config} (or ${KEYS.shareUser.env} / ${KEYS.sharePassword.env} / ${KEYS.shareDomain.env})`,
    config: `set ${settings(KEYS.shareUser, KEYS.sharePassword)}`,
    protocol: `if the server cannot sign or encrypt as asked, see ${settings(KEYS.shareSigning, KEYS.shareEncryption)}`,
    permission: `give the share user (${settings(KEYS.shareUser)}) rights on the share and folder`,
  },
};

/** The settings to check and the fix for a kind of failure at a peer, if we know one. */
export function hintFor(kind: ErrorKind, peer: Peer): string | undefined {
  return HINTS[peer][kind];
}

const done = new WeakSet<Error>();

/**
 * Appends the settings and fix for the error's kind and peer to its message (once; the error
 * stays the same object, so `instanceof` and its fields still hold). Errors without a kind pass.
 */
export function explain<T>(err: T): T {
  const k = kindOf(err);
  if (!k || !(err instanceof Error) || done.has(err)) return err;
  const hint = hintFor(k.kind, k.peer);
  if (!hint) return err;
  done.add(err);
  const before = err.message;
  err.message = `${before}; ${hint}`;
  if (err.stack?.includes(before)) err.stack = err.stack.replace(before, err.message);
  return err;
}

/** Runs `fn`, explaining what it throws. */
export async function explained<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw explain(err);
  }
}
