/** Lookups: platform connector configurations, file shares, directories on a share, icons, audit log. */
import { child, children, fields } from "../soap";
import { ElmError } from "./errors";
import type { ElmSession } from "./session";
import type { AuditEntry, ConnectorConfig, DirectoryListing, DiskFormat, ElmId, FileShare } from "./types";
import { bool, num, optStr, str, texts } from "./wire";

/** `QueryPlatformConnectorConfig` (Features `Create`: connectors that can build layers). */
export async function queryConnectorConfigs(session: ElmSession, features = "Create"): Promise<ConnectorConfig[]> {
  const r = await session.call("QueryPlatformConnectorConfig", "query", fields([["Features", features]]));
  return children(child(r, "Configurations"), "PlatformConnectorConfig").map((c) => ({
    id: str(c, "Id"),
    name: str(c, "Name"),
    platformName: str(c, "PlatformName"),
    validDiskFormats: texts(c, "ValidDiskFormats", "DiskFormat") as DiskFormat[],
    selectedDiskFormat: optStr(c, "SelectedDiskFormat") as DiskFormat | undefined,
    minDiskSizeGb: num(c, "MinDiskSizeGb"),
    maxDiskSizeGb: num(c, "MaxDiskSizeGb"),
    isOffloadingEnabled: bool(c, "IsOffloadingEnabled"),
  }));
}

/** The connector configuration with exactly this name; throws with the known names when absent. */
export async function findConnectorConfig(session: ElmSession, name: string): Promise<ConnectorConfig> {
  const all = await queryConnectorConfigs(session);
  const found = all.find((c) => c.name === name);
  if (found) return found;
  throw new ElmError("QueryPlatformConnectorConfig", session.url, {
    id: "PlatformConnectorNotFound",
    title: "",
    message: `no platform connector configuration named '${name}'`,
    details: all.length ? `known: ${all.map((c) => `'${c.name}'`).join(", ")}` : "the ELM has none",
  }, "use one of the known names or create the connector in the ELM's Connectors page");
}

/** `QueryRemoteFileShares`. */
export async function queryFileShares(session: ElmSession): Promise<FileShare[]> {
  const r = await session.call("QueryRemoteFileShares", "query", "");
  return children(child(r, "RemoteShares"), "RemoteFileShareSummary").map((s) => ({
    id: num(s, "Id"),
    sharePath: str(s, "SharePath"),
    shareType: str(s, "ShareType"),
  }));
}

/** The share with this UNC path (case-insensitive, either slash), or the first share when no path is given. */
export async function findFileShare(session: ElmSession, uncPath?: string): Promise<FileShare> {
  const all = await queryFileShares(session);
  const norm = (p: string) => p.replace(/\//g, "\\").replace(/\\+$/, "").toLowerCase();
  const found = uncPath === undefined ? all[0] : all.find((s) => norm(s.sharePath) === norm(uncPath));
  if (found) return found;
  throw new ElmError("QueryRemoteFileShares", session.url, {
    id: "RemoteFileShareNotFound",
    title: "",
    message: uncPath === undefined ? "the ELM has no network file share" : `the ELM has no file share '${uncPath}'`,
    details: all.length ? `known: ${all.map((s) => s.sharePath).join(", ")}` : "",
  }, "configure the share in the ELM's System > Settings > Network File Share");
}

/** `QueryDirectory`: the entries of a directory on a file share. */
export async function queryDirectory(session: ElmSession, fileShareId: ElmId, relativePath: string): Promise<DirectoryListing> {
  const r = await session.call("QueryDirectory", "query", fields([["RemoteFileShareId", fileShareId], ["RelativePath", relativePath]]));
  return { directories: texts(r, "Directories", "string"), files: texts(r, "Files", "string") };
}

/** `QueryLayerIcons`: ids of every icon. */
export async function queryIcons(session: ElmSession): Promise<ElmId[]> {
  const r = await session.call("QueryLayerIcons", "query", "");
  return texts(r, "IconIds", "long").map(Number);
}

/** `QueryAuditLog` for one entity, newest first as the ELM sorts them. */
export async function queryAuditLog(session: ElmSession, entityType: string, entityId: ElmId, pageSize = 100): Promise<AuditEntry[]> {
  const r = await session.call("QueryAuditLog", "query", fields([
    ["Start", 0],
    ["PageSize", pageSize],
    ["SortBy", "DateLastModified"],
    ["QueryTotalCount", false],
    ["EntityType", entityType],
    ["EntityId", entityId],
  ]));
  return children(child(r, "Items"), "Entry").map((e) => ({
    id: num(e, "Id"),
    userName: str(e, "UserName"),
    comment: str(e, "Comment"),
    description: str(e, "Description"),
    dateLastModified: optStr(e, "DateLastModified"),
  }));
}
