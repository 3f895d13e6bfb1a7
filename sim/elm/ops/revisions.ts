/** CreateOsLayerRevision, QueryLayerInstallDisk, FinalizeLayerRevision, DeleteOsLayerRevisions. */
import { fields } from "../../../provider/soap";
import { createRevision, deleteRevisions, finalize } from "../flows";
import { layerSummary } from "../reply";
import { field, long, longs, optLong, text } from "../request";
import { OpDef } from "./types";

export const revisionOps: Record<string, OpDef> = {
  CreateOsLayerRevision: {
    wrapper: "command",
    errorFields: fields([["RevisionId", 0], ["WorkTicketId", 0]]),
    handle({ world, user }, c) {
      const ri = field(c, "RevisionInfo");
      const { ticket, rev } = createRevision(world, {
        user,
        layerId: long(c, "LayerId"),
        versionName: text(ri, "Name"),
        versionDescription: text(ri, "Description"),
        scriptPath: text(ri, "ScriptPath"),
        sizeMiB: long(ri, "LayerSizeMiB"),
        shareId: long(c, "SelectedFileShare"),
        packagingDiskFilename: text(c, "PackagingDiskFilename"),
        packagingDiskFormat: text(c, "PackagingDiskFormat"),
        connectorId: text(c, "PlatformConnectorConfigId"),
        baseRevisionId: optLong(c, "BaseLayerRevisionId"),
        comment: text(field(c, "Reason"), "Description"),
      });
      return fields([["RevisionId", rev.id], ["WorkTicketId", ticket.id]]);
    },
  },

  QueryLayerInstallDisk: {
    wrapper: "query",
    errorFields: fields([["LayerMayBeEmpty", false]]),
    handle({ world }, q) {
      const layer = world.layer(long(q, "LayerId"));
      const rev = [...layer.revisions].sort((a, b) => b.revision - a.revision)[0];
      const share = world.shares[0];
      const disk = `${layer.name} ${rev.versionName}.vhd`;
      return fields([
        ["DiskUncPath", `${share?.uncPath ?? "\\\\elm\\share"}\\Unidesk\\Packaging\\${layer.id}`],
        ["DiskName", disk],
        ["PackageDiskName", disk],
        ["LayerMayBeEmpty", false],
      ]);
    },
  },

  FinalizeLayerRevision: {
    wrapper: "command",
    handle({ world, user }, c) {
      finalize(world, user, long(c, "LayerRevisionId"), text(field(c, "Reason"), "Description"));
      return "";
    },
  },

  DeleteOsLayerRevisions: {
    wrapper: "command",
    errorFields: fields([["WorkTicketId", 0]]),
    handle({ world, user }, c) {
      const layer = world.layer(long(c, "LayerId"));
      const ticket = deleteRevisions(world, user, layer.id, longs(c, "RevisionIds"), text(field(c, "Reason"), "Description"));
      return [fields([["WorkTicketId", ticket.id]]), layerSummary("LayerSummary", layer)];
    },
  },
};
