/** QueryOsLayers, QueryOsLayerDetails, ImportOs, EditLayer. */
import { el, fields } from "../../../provider/soap";
import { duplicate, notFound, SimElmError } from "../errors";
import { importOs } from "../flows";
import { DOTNET_MIN_DATE, layerDetails, layerSummary } from "../reply";
import { field, items, long, optLong, text } from "../request";
import { OpDef } from "./types";

export const layerOps: Record<string, OpDef> = {
  QueryOsLayers: {
    wrapper: "query",
    handle({ world }, q) {
      const filter = text(q, "Filter").toLowerCase();
      const found = [...world.layers.values()].filter((l) => filter === "" || l.name.toLowerCase().includes(filter));
      return el("OsLayers", found.map((l) => layerSummary("LayerEntitySummary", l)));
    },
  },

  QueryOsLayerDetails: {
    wrapper: "query",
    // DateTime and int members: .NET writes their defaults even beside an Error.
    errorFields: fields([["CreationDate", DOTNET_MIN_DATE], ["NumberOfAppLayersUsing", 0], ["NumberOfPlatformLayersUsing", 0]]),
    handle({ world }, q) {
      return layerDetails(world.layer(long(q, "Id")));
    },
  },

  ImportOs: {
    wrapper: "command",
    errorFields: fields([["WorkTicketId", 0], ["WorkItemId", 0]]),
    async handle({ world, user }, c) {
      const li = field(c, "LayerInfo");
      const ri = field(c, "RevisionInfo");
      const { ticket, layer } = await importOs(world, {
        user,
        shareId: long(c, "SelectedFileShare"),
        diskFilename: text(c, "DiskFilename"),
        connectorId: text(c, "PlatformConnectorConfigId"),
        platformData: text(c, "PlatformData"),
        layerName: text(li, "Name"),
        layerDescription: text(li, "Description"),
        iconId: long(li, "IconId"),
        folder: text(li, "Folder"),
        versionName: text(ri, "Name"),
        versionDescription: text(ri, "Description"),
        scriptPath: text(ri, "ScriptPath"),
        sizeMiB: long(ri, "LayerSizeMiB"),
        comment: text(field(c, "Reason"), "Description"),
      });
      return [fields([["WorkTicketId", ticket.id], ["WorkItemId", ticket.workItem.id]]), layerSummary("LayerSummary", layer)];
    },
  },

  EditLayer: {
    wrapper: "command",
    handle({ world, user }, c) {
      const layer = world.layer(long(c, "Id"));
      const name = text(c, "Name");
      if (!name) throw new SimElmError("ValidationFailureCategory", "Validation failed", "The layer name is required.");
      const other = world.layerByName(name);
      if (other && other.id !== layer.id) throw duplicate("layer", name);
      const iconId = optLong(c, "IconId");
      if (iconId !== undefined && !world.icons.includes(iconId)) throw notFound("icon", iconId);
      const changes = items(c, "RevisionChanges", "LayerRevisionChange").map((rc) => ({
        id: long(rc, "Id"),
        name: text(rc, "Name"),
        description: text(rc, "Description"),
      }));
      for (const ch of changes) {
        if (!layer.revisions.some((r) => r.id === ch.id)) throw notFound("layer revision", ch.id);
        if (!ch.name) throw new SimElmError("ValidationFailureCategory", "Validation failed", `The version name of revision ${ch.id} is required.`);
        if (changes.some((o) => o !== ch && o.name === ch.name)) throw duplicate("version of this layer", ch.name);
      }
      // Replace semantics: what the command leaves out is cleared (send the full property set).
      layer.name = name;
      layer.description = text(c, "Description");
      if (iconId !== undefined) layer.iconId = iconId;
      layer.folder = text(c, "Folder");
      layer.scriptPath = text(c, "ScriptPath");
      for (const ch of changes) {
        const rev = layer.revisions.find((r) => r.id === ch.id)!;
        rev.versionName = ch.name;
        rev.description = ch.description;
        rev.dateLastEdited = world.now();
        rev.whoLastEdited = user;
      }
      layer.dateLastModified = world.now();
      world.addAudit(layer, user, text(field(c, "Reason"), "Description"), `Edited OS layer '${layer.name}'`);
      return layerSummary("LayerSummary", layer);
    },
  },
};
