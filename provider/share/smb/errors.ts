/**
 * Errors of the SMB client. Each says what failed, where (server, share, path), and what to do.
 * They are built from operation names, paths and NTSTATUS values only: never from credentials.
 */
import { statusInfo } from "./status";

/** The server answered a request with an error NTSTATUS. */
export class SmbStatusError extends Error {
  /** POSIX-like code: ENOENT, EEXIST, EACCES, ENOSPC, EAUTH, ENOSHARE, ENOTEMPTY, ... */
  readonly code: string;
  readonly statusName: string;
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
  }
}

/** The TCP connection failed, was lost or timed out; every pending request fails with this. */
export class SmbConnectionError extends Error {
  readonly code: string;
  constructor(message: string, code = "ECONNRESET") {
    super(message);
    this.name = "SmbConnectionError";
    this.code = code;
  }
}

/** The server sent something we cannot accept: bad framing, bad signature, unsupported dialect. */
export class SmbProtocolError extends Error {
  readonly code = "EPROTO";
  constructor(message: string) {
    super(message);
    this.name = "SmbProtocolError";
  }
}
