/**
 * What kind of failure an error is, and which peer it came from. The clients (vsphere, elm,
 * share, soap) tag their errors with these and say what happened; errorHints.ts alone turns a
 * kind and a peer into the settings to check and the fix, so no client names a Pulumi config key.
 */
export type ErrorKind =
  /** Credentials refused, or the session is gone. */
  | "auth"
  /** The server's certificate is not trusted or does not match the pin. */
  | "tls"
  /** No connection: refused, unknown host, reset. */
  | "unreachable"
  /** No (complete) answer within the deadline. */
  | "timeout"
  /** The peer answered something we cannot accept: not SOAP, a fault, a bad signature, an HTTP error. */
  | "protocol"
  /** A reply larger than the cap. */
  | "tooLarge"
  /** The addressed object (file, share, layer, VM) does not exist. */
  | "notFound"
  /** The account lacks a right. */
  | "permission"
  /** Something else holds the object, or the name is taken, or the state forbids it. */
  | "conflict"
  /** The share or datastore is full. */
  | "space"
  /** A setting is missing or malformed. */
  | "config";

/** `guest`: the Windows inside a VM, reached through VMware Tools' guest operations. */
export type Peer = "vsphere" | "elm" | "share" | "guest";

export interface Kinded {
  kind: ErrorKind;
  peer: Peer;
}

/** Tags an error with its kind and peer (an existing tag wins: the innermost client knows best). */
export function tag<E extends Error>(err: E, kind: ErrorKind, peer: Peer): E & Kinded {
  const e = err as E & Partial<Kinded>;
  if (e.kind === undefined) e.kind = kind;
  if (e.peer === undefined) e.peer = peer;
  return e as E & Kinded;
}

/** The kind and peer an error carries, if any. */
export function kindOf(err: unknown): Kinded | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as Error & Partial<Kinded>;
  return e.kind && e.peer ? { kind: e.kind, peer: e.peer } : undefined;
}

/** The kind of a Node/transport error code (ECONNREFUSED, ETIMEDOUT, a certificate code, …). */
export function kindOfCode(code: string | undefined, message = ""): ErrorKind {
  const c = code ?? "";
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|THUMBPRINT|ERR_TLS|ERR_SSL|HOSTNAME/i.test(c) || /certificate/i.test(message)) return "tls";
  if (c === "ETIMEDOUT" || c === "ESOCKETTIMEDOUT") return "timeout";
  if (c === "ETOOLARGE") return "tooLarge";
  if (c === "EBADREPLY" || c === "EPROTO") return "protocol";
  return "unreachable";
}
