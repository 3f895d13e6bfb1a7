/** NTSTATUS values a client meets, with a name and a plain-language hint for error messages. */
export interface StatusInfo {
  name: string;
  /** What it means and what to do, for an operator reading the error. */
  hint: string;
  /** The closest POSIX-style code, so callers can branch without knowing NTSTATUS. */
  code: string;
}

const TABLE: Record<number, StatusInfo> = {
  0x80000005: { name: "STATUS_BUFFER_OVERFLOW", hint: "the reply was truncated", code: "EOVERFLOW" },
  0x80000006: { name: "STATUS_NO_MORE_FILES", hint: "end of the directory listing", code: "ENOENT" },
  0xc0000003: { name: "STATUS_INVALID_INFO_CLASS", hint: "the server does not support this query", code: "ENOTSUP" },
  0xc0000004: { name: "STATUS_INFO_LENGTH_MISMATCH", hint: "buffer too small", code: "EINVAL" },
  0xc0000008: { name: "STATUS_INVALID_HANDLE", hint: "the file handle is not valid", code: "EBADF" },
  0xc000000d: { name: "STATUS_INVALID_PARAMETER", hint: "the server rejected the request as malformed", code: "EINVAL" },
  0xc000000f: { name: "STATUS_NO_SUCH_FILE", hint: "no such file", code: "ENOENT" },
  0xc0000011: { name: "STATUS_END_OF_FILE", hint: "read past the end of the file", code: "EOF" },
  0xc0000016: { name: "STATUS_MORE_PROCESSING_REQUIRED", hint: "authentication did not complete", code: "EAUTH" },
  0xc0000022: {
    name: "STATUS_ACCESS_DENIED",
    hint: "access denied: check the account's permissions on the share and folder (or the server's signing/encryption policy)",
    code: "EACCES",
  },
  0xc0000023: { name: "STATUS_BUFFER_TOO_SMALL", hint: "buffer too small", code: "EINVAL" },
  0xc0000033: { name: "STATUS_OBJECT_NAME_INVALID", hint: "the name is not valid on this server", code: "EINVAL" },
  0xc0000034: { name: "STATUS_OBJECT_NAME_NOT_FOUND", hint: "no such file or folder", code: "ENOENT" },
  0xc0000035: { name: "STATUS_OBJECT_NAME_COLLISION", hint: "the name already exists", code: "EEXIST" },
  0xc000003a: { name: "STATUS_OBJECT_PATH_NOT_FOUND", hint: "a parent folder does not exist", code: "ENOENT" },
  0xc000003b: { name: "STATUS_OBJECT_PATH_SYNTAX_BAD", hint: "the path is malformed", code: "EINVAL" },
  0xc0000043: { name: "STATUS_SHARING_VIOLATION", hint: "the file is open elsewhere; retry later", code: "EBUSY" },
  0xc0000056: { name: "STATUS_DELETE_PENDING", hint: "the file is being deleted", code: "EBUSY" },
  0xc0000064: { name: "STATUS_NO_SUCH_USER", hint: "unknown user: check the share user and domain", code: "EAUTH" },
  0xc000006a: { name: "STATUS_WRONG_PASSWORD", hint: "wrong password: check the share password", code: "EAUTH" },
  0xc000006d: {
    name: "STATUS_LOGON_FAILURE",
    hint: "logon failure: the user name, domain or password is wrong",
    code: "EAUTH",
  },
  0xc000006e: { name: "STATUS_ACCOUNT_RESTRICTION", hint: "the account is restricted", code: "EAUTH" },
  0xc0000071: { name: "STATUS_PASSWORD_EXPIRED", hint: "the account's password has expired", code: "EAUTH" },
  0xc0000072: { name: "STATUS_ACCOUNT_DISABLED", hint: "the account is disabled", code: "EAUTH" },
  0xc000007f: { name: "STATUS_DISK_FULL", hint: "the share is out of space: free space on the server", code: "ENOSPC" },
  0xc000009a: { name: "STATUS_INSUFFICIENT_RESOURCES", hint: "the server is out of resources; retry later", code: "EAGAIN" },
  0xc00000ba: { name: "STATUS_FILE_IS_A_DIRECTORY", hint: "the path is a folder", code: "EISDIR" },
  0xc00000bb: { name: "STATUS_NOT_SUPPORTED", hint: "not supported by the server", code: "ENOTSUP" },
  0xc00000c9: { name: "STATUS_NETWORK_NAME_DELETED", hint: "the share connection was dropped", code: "ECONNRESET" },
  0xc00000cc: {
    name: "STATUS_BAD_NETWORK_NAME",
    hint: "no such share on the server: check the share name in the UNC path",
    code: "ENOSHARE",
  },
  0xc0000101: { name: "STATUS_DIRECTORY_NOT_EMPTY", hint: "the folder is not empty", code: "ENOTEMPTY" },
  0xc0000103: { name: "STATUS_NOT_A_DIRECTORY", hint: "a path component is not a folder", code: "ENOTDIR" },
  0xc0000120: { name: "STATUS_CANCELLED", hint: "the request was cancelled", code: "ECANCELED" },
  0xc0000121: { name: "STATUS_CANNOT_DELETE", hint: "the file cannot be deleted", code: "EPERM" },
  0xc0000128: { name: "STATUS_FILE_CLOSED", hint: "the file handle was already closed", code: "EBADF" },
  0xc0000193: { name: "STATUS_ACCOUNT_EXPIRED", hint: "the account has expired", code: "EAUTH" },
  0xc0000203: { name: "STATUS_USER_SESSION_DELETED", hint: "the session was closed by the server", code: "ECONNRESET" },
  0xc0000224: { name: "STATUS_PASSWORD_MUST_CHANGE", hint: "the account's password must be changed", code: "EAUTH" },
  0xc0000234: { name: "STATUS_ACCOUNT_LOCKED_OUT", hint: "the account is locked out", code: "EAUTH" },
  0xc000035c: { name: "STATUS_NETWORK_SESSION_EXPIRED", hint: "the session expired", code: "ECONNRESET" },
  0xc000a000: { name: "STATUS_INVALID_SIGNATURE", hint: "message signature check failed", code: "EPROTO" },
};

export function statusInfo(status: number): StatusInfo {
  return (
    TABLE[status >>> 0] ?? {
      name: `NTSTATUS 0x${(status >>> 0).toString(16).padStart(8, "0")}`,
      hint: "unexpected server status",
      code: "EIO",
    }
  );
}
