/** Connectors, file shares, directories, icons, audit log. */
import { el, fields } from "../../../provider/soap";
import { notFound } from "../errors";
import { iso } from "../reply";
import { long, text } from "../request";
import { OpDef } from "./types";

const strings = (name: string, list: string[]) => el(name, list.map((s) => el("string", s)));

export const lookupOps: Record<string, OpDef> = {
  QueryPlatformConnectorConfig: {
    wrapper: "query",
    handle({ world }) {
      return el("Configurations", world.connectors.map((c) => el("PlatformConnectorConfig", fields([
        ["Id", c.id],
        ["Name", c.name],
        ["PlatformName", c.platformName],
        ["ConfigurationPort", 3500],
        ["ConfigurationSslPort", 3504],
        ["ValidDiskFormats", c.validDiskFormats.map((f) => el("DiskFormat", f))],
        ["MinDiskSizeGb", 10],
        ["MaxDiskSizeGb", 2048],
        ["SysprepType", "NotSupported"],
        ["NewUrl", ""],
        ["EditUrl", ""],
        ["OsImportUrl", ""],
        ["IsMiniBootEnabled", false],
        ["SelectedDiskFormat", c.validDiskFormats[0] ?? "UnknownDiskFormat"],
        ["IsOffloadingEnabled", c.isOffloadingEnabled],
      ]))));
    },
  },

  QueryPlatformConnectorConfigSummary: {
    wrapper: "query",
    handle({ world }) {
      return el("Configurations", world.connectors.map((c) => el("PlatformConnectorConfigSummary", fields([
        ["Id", c.id],
        ["Name", c.name],
        ["PlatformId", c.platformName.replace(/\W+/g, "")],
        ["PlatformName", c.platformName],
        ["Port", 3500],
        ["SslPort", 3504],
        ["IsDeprecated", false],
        ["SupportsOffloadCompositing", true],
        ["OffloadCompositingEnabled", c.isOffloadingEnabled],
      ]))));
    },
  },

  QueryRemoteFileShares: {
    wrapper: "query",
    handle({ world }) {
      return el("RemoteShares", world.shares.map((s) => el("RemoteFileShareSummary", fields([
        ["Id", s.id],
        ["SharePath", s.uncPath],
        ["ShareType", "Cifs"],
        ["Credentials", fields([["Username", "elmshare"]])],
      ]))));
    },
  },

  QueryDirectory: {
    wrapper: "query",
    async handle({ world }, q) {
      const share = world.share(long(q, "RemoteFileShareId"));
      const rel = text(q, "RelativePath");
      const listing = share.list ? await share.list(rel) : { directories: [], files: [] };
      if (!listing) throw notFound("directory", `${share.uncPath}\\${rel}`);
      return [strings("Directories", listing.directories), strings("Files", listing.files)];
    },
  },

  QueryLayerIcons: {
    wrapper: "query",
    handle({ world }) {
      return el("IconIds", world.icons.map((id) => el("long", id)));
    },
  },

  QueryAuditLog: {
    wrapper: "query",
    errorFields: fields([["Total", 0]]),
    handle({ world }, q) {
      const type = text(q, "EntityType");
      const id = long(q, "EntityId");
      const start = long(q, "Start");
      const size = long(q, "PageSize") || 100;
      const all = world.audit.filter((a) => (!type || a.entityType === type) && (!id || a.entityId === id)).reverse();
      return [
        fields([["Total", all.length]]),
        el("Items", all.slice(start, start + size).map((a) => el("Entry", fields([
          ["Id", a.id],
          ["UserName", a.userName],
          ["Comment", a.comment],
          ["DateLastModified", iso(a.date)],
          ["Description", a.description],
        ])))),
      ];
    },
  },
};
