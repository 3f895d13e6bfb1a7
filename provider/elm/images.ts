/**
 * Image templates as an OS layer sees them: which templates use which revision
 * (`QueryImageByLayerRevision`), and pointing templates at a revision (`UpdateOsLayerAssignment`).
 * Shapes: docs/elm-api-additions.md.
 */
import { child, children, fields } from "../soap";
import type { ElmSession } from "./session";
import type { ElmId } from "./types";
import { longList, num, reason, str } from "./wire";

/** `ImageSummaryWithLayerRevision`: a template and the revision of the queried layer it uses. */
export interface ImageWithRevision {
  id: ElmId;
  name: string;
  revisionId: ElmId;
  revisionName: string;
}

/** `QueryImageByLayerRevision` (LayerType `OsLayer`): every image template using a version of the layer. */
export async function queryImagesByLayerRevision(session: ElmSession, layerId: ElmId): Promise<ImageWithRevision[]> {
  const r = await session.call("QueryImageByLayerRevision", "query", fields([["LayerId", layerId], ["LayerType", "OsLayer"]]));
  return children(child(r, "Images"), "ImageSummaryWithLayerRevision").map((i) => ({
    id: num(i, "Id"),
    name: str(i, "Name"),
    revisionId: num(i, "RevisionId"),
    revisionName: str(i, "RevisionName"),
  }));
}

export interface AssignOsRevisionArgs {
  /** The image templates (`LayeredImageIds`) to point at the revision. */
  imageIds: ElmId[];
  /** The OS layer revision they should use (`LayerRevId`). */
  revisionId: ElmId;
  comment?: string;
}

/** `UpdateOsLayerAssignment` (synchronous): the templates use `revisionId` from now on. */
export async function updateOsLayerAssignment(session: ElmSession, a: AssignOsRevisionArgs): Promise<void> {
  await session.call("UpdateOsLayerAssignment", "command", [
    longList("LayeredImageIds", a.imageIds),
    fields([["LayerRevId", a.revisionId]]),
    reason(a.comment),
  ]);
}
