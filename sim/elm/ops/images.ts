/** QueryImageByLayerRevision, UpdateOsLayerAssignment, QueryManagementApplianceDetailsWithParam. */
import { el, fields } from "../../../provider/soap";
import { invalidArgument, invalidState, notFound } from "../errors";
import { field, longs, long, text } from "../request";
import { iso } from "../reply";
import { OpDef } from "./types";

export const imageOps: Record<string, OpDef> = {
  QueryImageByLayerRevision: {
    wrapper: "query",
    handle({ world }, q) {
      const type = text(q, "LayerType");
      if (type !== "OsLayer") throw invalidArgument("LayerType", type, `LayerType '${type}' is not supported here; this appliance has OS layers only.`);
      const layer = world.layer(long(q, "LayerId"));
      const rows = layer.revisions.flatMap((r) => r.imagesUsing.map((i) => ({ i, r })));
      return el("Images", rows.map(({ i, r }) => el("ImageSummaryWithLayerRevision", fields([
        ["Id", i.id],
        ["Name", i.name],
        ["Type", "Image"],
        ["RevisionId", r.id],
        ["RevisionName", r.versionName],
      ]))));
    },
  },

  UpdateOsLayerAssignment: {
    wrapper: "command",
    handle({ world, user }, c) {
      const ids = longs(c, "LayeredImageIds");
      if (ids.length === 0) throw invalidArgument("LayeredImageIds", "", "Select at least one image template.");
      const { layer, rev } = world.revision(long(c, "LayerRevId"));
      if (rev.state !== "Deployable") {
        throw invalidState(layer.name, "Deployable", rev.state, `Version '${rev.versionName}' of layer '${layer.name}' is ${rev.state}; only a Deployable version can be assigned to image templates.`);
      }
      const templates = ids.map((id) => world.templates.get(id) ?? (() => { throw notFound("image template", id); })());
      for (const t of templates) {
        const { layer: from } = world.revision(t.osRevisionId);
        if (from.id !== layer.id) throw invalidArgument("LayeredImageIds", String(t.id), `Image template '${t.name}' uses OS layer '${from.name}', not '${layer.name}'.`);
      }
      for (const t of templates) world.assignTemplate(t, rev.id);
      world.addAudit(layer, user, text(field(c, "Reason"), "Description"), `Assigned version '${rev.versionName}' to image templates ${templates.map((t) => `'${t.name}'`).join(", ")}`);
      return "";
    },
  },

  QueryManagementApplianceDetailsWithParam: {
    wrapper: "query",
    errorFields: fields([["Id", 0], ["NeedsAttention", false]]),
    handle({ world }) {
      const a = world.appliance;
      return fields([
        ["Id", a.id],
        ["ImageId", 196608],
        ["Name", a.name],
        ["SoftwareVersion", a.softwareVersion],
        ["IpAddress", "127.0.0.1"],
        ["StartDate", iso(world.now())],
        ["HostName", a.hostName],
        ["UniqueId", a.uniqueId],
        ["NeedsAttention", false],
      ]);
    },
  },
};
