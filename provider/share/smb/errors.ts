/**
 * Errors of the SMB client. Each says what failed, where (server, share, path), and what to do.
 * They are built from operation names, paths and NTSTATUS values only: never from credentials.
 */
import { statusInfo } from "./status";
import { ErrorKind, Peer, kindOfCode } from "../../errorKinds";

/** The kind of an SMB status's POSIX-like code (errorKinds.ts). */
const STATUS_KINDS: Record<string, ErrorKind> = {
  EAUTH: "auth",
  EACCES: "permission",
  EPERM: "permission",
  ENOENT: "notFound",
  ENOSHARE: "notFound",
  ENOSPC: "space",
  EEXIST: "conflict",
  EBUSY: "conflict",
  ENOTEMPTY: "conflict",
  ECONNRESET: "unreachable",
};

/** The server answered a request with an error NTSTATUS. */
export class SmbStatusError extends Error {
  /** POSIX-like code: ENOENT, EEXIST, EACCES, ENOSPC, EAUTH, ENOSHARE, ENOTEMPTY, ... */
  readonly code: string;
  readonly statusName: string;
  readonly kind?: ErrorKind;
  readonly peer: Peer = "share";
  constructor(
    readonly status: number,
    readonly operation: string,
    readonly where: string,
  ) {
    const info = statusInfo(status);
    super(`SMB ${operation}${where ? ` on ${where}` : ""} failed: ${info.name} (${info.hint})`);
    this.name = "SmbStatusError";
    this.code = info.code;
    this.statusName = info.name;
    // A session the server ended is an authentication matter (log on again), not a lost connection.
    this.kind = status === 0xc0000203 || status === 0xc000035c ? "auth" : STATUS_KINDS[info.code];
  }
}

/** The TCP connection failed, was lost or timed out; every pending request fails with this. */
export class SmbConnectionError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly peer: Peer = "share";
  constructor(message: string, code = "ECONNRESET") {
    super(message);
    this.name = "SmbConnectionError";
    this.code = code;
    this.kind = kindOfCode(code, message);
  }
}

/** The server sent something we cannot accept: bad framing, bad signature, unsupported dialect. */
export class SmbProtocolError extends Error {
  readonly code = "EPROTO";
  readonly kind: ErrorKind = "protocol";
  readonly peer: Peer = "share";
  constructor(message: string) {
    super(message);
    this.name = "SmbProtocolError";
  }
}
