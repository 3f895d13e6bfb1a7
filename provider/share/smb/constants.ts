/** SMB2 wire constants (MS-SMB2), named as in the specification. */

export const Command = {
  NEGOTIATE: 0x0000,
  SESSION_SETUP: 0x0001,
  LOGOFF: 0x0002,
  TREE_CONNECT: 0x0003,
  TREE_DISCONNECT: 0x0004,
  CREATE: 0x0005,
  CLOSE: 0x0006,
  FLUSH: 0x0007,
  READ: 0x0008,
  WRITE: 0x0009,
  LOCK: 0x000a,
  IOCTL: 0x000b,
  CANCEL: 0x000c,
  ECHO: 0x000d,
  QUERY_DIRECTORY: 0x000e,
  CHANGE_NOTIFY: 0x000f,
  QUERY_INFO: 0x0010,
  SET_INFO: 0x0011,
  OPLOCK_BREAK: 0x0012,
} as const;

export const COMMAND_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(Command).map(([k, v]) => [v, k]),
);

export const Flags = {
  SERVER_TO_REDIR: 0x1,
  ASYNC_COMMAND: 0x2,
  RELATED_OPERATIONS: 0x4,
  SIGNED: 0x8,
} as const;

export const Dialect = {
  SMB202: 0x0202,
  SMB210: 0x0210,
  SMB300: 0x0300,
  SMB302: 0x0302,
  SMB311: 0x0311,
} as const;

export const Cap = {
  DFS: 0x01,
  LEASING: 0x02,
  LARGE_MTU: 0x04,
  MULTI_CHANNEL: 0x08,
  PERSISTENT_HANDLES: 0x10,
  DIRECTORY_LEASING: 0x20,
  ENCRYPTION: 0x40,
} as const;

export const SecurityMode = { SIGNING_ENABLED: 0x1, SIGNING_REQUIRED: 0x2 } as const;

export const SessionFlags = { IS_GUEST: 0x1, IS_NULL: 0x2, ENCRYPT_DATA: 0x4 } as const;

export const ShareFlags = { ENCRYPT_DATA: 0x8000 } as const;

export const Cipher = { AES128CCM: 1, AES128GCM: 2, AES256CCM: 3, AES256GCM: 4 } as const;
export const SigningAlg = { HMAC_SHA256: 0, AES_CMAC: 1, AES_GMAC: 2 } as const;

export const Status = {
  SUCCESS: 0x00000000,
  PENDING: 0x00000103,
  BUFFER_OVERFLOW: 0x80000005,
  NO_MORE_FILES: 0x80000006,
  INVALID_PARAMETER: 0xc000000d,
  NO_SUCH_FILE: 0xc000000f,
  END_OF_FILE: 0xc0000011,
  MORE_PROCESSING_REQUIRED: 0xc0000016,
  ACCESS_DENIED: 0xc0000022,
  OBJECT_NAME_NOT_FOUND: 0xc0000034,
  OBJECT_NAME_COLLISION: 0xc0000035,
  OBJECT_PATH_NOT_FOUND: 0xc000003a,
  LOGON_FAILURE: 0xc000006d,
  DISK_FULL: 0xc000007f,
  BAD_NETWORK_NAME: 0xc00000cc,
  DIRECTORY_NOT_EMPTY: 0xc0000101,
  CANCELLED: 0xc0000120,
  FILE_CLOSED: 0xc0000128,
  USER_SESSION_DELETED: 0xc0000203,
  NETWORK_SESSION_EXPIRED: 0xc000035c,
  NETWORK_NAME_DELETED: 0xc00000c9,
} as const;

export const Access = {
  READ_DATA: 0x1,
  WRITE_DATA: 0x2,
  APPEND_DATA: 0x4,
  READ_EA: 0x8,
  WRITE_EA: 0x10,
  EXECUTE: 0x20,
  DELETE_CHILD: 0x40,
  READ_ATTRIBUTES: 0x80,
  WRITE_ATTRIBUTES: 0x100,
  DELETE: 0x10000,
  READ_CONTROL: 0x20000,
  SYNCHRONIZE: 0x100000,
  MAXIMUM_ALLOWED: 0x02000000,
} as const;

export const Disposition = { SUPERSEDE: 0, OPEN: 1, CREATE: 2, OPEN_IF: 3, OVERWRITE: 4, OVERWRITE_IF: 5 } as const;

export const CreateOptions = {
  DIRECTORY_FILE: 0x1,
  WRITE_THROUGH: 0x2,
  SEQUENTIAL_ONLY: 0x4,
  NON_DIRECTORY_FILE: 0x40,
  DELETE_ON_CLOSE: 0x1000,
} as const;

export const ShareAccess = { READ: 0x1, WRITE: 0x2, DELETE: 0x4, ALL: 0x7 } as const;

export const FileAttributes = { READONLY: 0x1, HIDDEN: 0x2, DIRECTORY: 0x10, ARCHIVE: 0x20, NORMAL: 0x80 } as const;

export const InfoType = { FILE: 1, FILESYSTEM: 2, SECURITY: 3, QUOTA: 4 } as const;

export const FileInfoClass = {
  FileBasicInformation: 4,
  FileStandardInformation: 5,
  FileRenameInformation: 10,
  FileDispositionInformation: 13,
  FileEndOfFileInformation: 20,
  FileNetworkOpenInformation: 34,
  FileIdBothDirectoryInformation: 0x25,
  FileFsFullSizeInformation: 7,
} as const;

/** The all-ones MessageId the server uses for oplock/lease breaks. */
export const UNSOLICITED_MESSAGE_ID = 0xffffffffffffffffn;
