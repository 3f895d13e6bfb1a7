/**
 * The property collector: RetrievePropertiesEx (following ContinueRetrievePropertiesEx while a
 * token comes back) over explicit objects or a ContainerView.
 */
import { RawXml, XmlElement, el } from "../soap";
import { decodeRetrieveResult } from "./decode";
import { NotAuthenticatedError } from "./faults";
import type { ServiceContent, VimInvoker } from "./session";
import type { MoRef, ObjectContent } from "./types";
import { moref, typed } from "./wire";

export interface PropertyCollectorHost extends VimInvoker {
  readonly serviceContent: ServiceContent;
}

/** One PropertySpec: `type`, `all`, `pathSet[]`. */
export function propertySpec(type: string, paths: string[]): RawXml {
  return el("propSet", [el("type", type), el("all", paths.length === 0), paths.map((p) => el("pathSet", p))]);
}

/** An ObjectSpec for one object, optionally traversing a ContainerView's `view`. */
export function objectSpec(obj: MoRef, viaView = false): RawXml {
  return el("objectSet", [
    moref("obj", obj),
    el("skip", viaView),
    viaView ? typed("selectSet", "TraversalSpec", [el("name", "view"), el("type", "ContainerView"), el("path", "view"), el("skip", false)]) : undefined,
  ]);
}

/** A PropertyFilterSpec: propSet[], objectSet[] (XSD order). */
export function filterSpec(propSets: RawXml[], objectSets: RawXml[]): RawXml {
  return el("specSet", [propSets, objectSets]);
}

/** Throws NotAuthenticatedError when a 200 reply lists properties missing for that reason (lost session). */
function checkSession(payload: XmlElement): void {
  const { objects } = decodeRetrieveResult(payload);
  for (const o of objects) {
    const m = o.missing.find((x) => x.fault === "NotAuthenticated");
    if (m) {
      throw new NotAuthenticatedError("NotAuthenticated", `reading ${m.path} of ${o.obj.type}:${o.obj.value} failed: the session is not authenticated`, {}, "RetrievePropertiesEx");
    }
  }
}

/**
 * Bounds of one retrieval: a property collector that keeps returning continuation tokens (or
 * objects) must not keep the client looping and accumulating for ever.
 */
export const RETRIEVE_LIMITS = { maxPages: 10_000, maxObjects: 1_000_000 };

/** Runs RetrievePropertiesEx and follows tokens, within RETRIEVE_LIMITS; returns every object. */
export async function retrieve(c: PropertyCollectorHost, spec: RawXml, maxObjects = 500, deadline?: number): Promise<ObjectContent[]> {
  const pc = c.serviceContent.propertyCollector;
  const first = await c.invoke("RetrievePropertiesEx", pc, [spec, el("options", el("maxObjects", maxObjects))], checkSession, deadline);
  let { objects, token } = decodeRetrieveResult(first);
  const all = [...objects];
  for (let pages = 1; token; pages++) {
    if (pages >= RETRIEVE_LIMITS.maxPages || all.length > RETRIEVE_LIMITS.maxObjects) {
      await c.invoke("CancelRetrievePropertiesEx", pc, el("token", token)).catch(() => undefined);
      throw new Error(
        `the property collector kept returning continuation tokens (${pages} pages, ${all.length} objects, limits ${RETRIEVE_LIMITS.maxPages} pages and ` +
          `${RETRIEVE_LIMITS.maxObjects} objects); the vCenter answers inconsistently: check its health, or narrow the inventory searched`,
      );
    }
    const next = await c.invoke("ContinueRetrievePropertiesEx", pc, el("token", token), checkSession, deadline);
    ({ objects, token } = decodeRetrieveResult(next));
    all.push(...objects);
  }
  return all;
}

/** Reads properties of one object; a missing object throws ManagedObjectNotFoundError. */
export async function retrieveProperties(c: PropertyCollectorHost, obj: MoRef, paths: string[], deadline?: number): Promise<ObjectContent> {
  const objects = await retrieve(c, filterSpec([propertySpec(obj.type, paths)], [objectSpec(obj)]), 500, deadline);
  return objects[0] ?? { obj, props: {}, missing: [] };
}

/** Reads properties of several objects of one type. */
export async function retrieveMany(c: PropertyCollectorHost, type: string, objs: MoRef[], paths: string[]): Promise<ObjectContent[]> {
  if (objs.length === 0) return [];
  return retrieve(c, filterSpec([propertySpec(type, paths)], objs.map((o) => objectSpec(o))));
}

/**
 * Lists every object of `type` below `container` (default: the root folder) through a
 * ContainerView, reading `paths` of each; the view is destroyed afterwards.
 */
export async function listObjects(
  c: PropertyCollectorHost,
  type: string,
  paths: string[],
  container?: MoRef,
  recursive = true,
  maxObjects = 500,
): Promise<ObjectContent[]> {
  const root = container ?? c.serviceContent.rootFolder;
  const created = await c.invoke("CreateContainerView", c.serviceContent.viewManager, [
    moref("container", root),
    el("type", type),
    el("recursive", recursive),
  ]);
  const view = decodeViewRef(created);
  try {
    return await retrieve(c, filterSpec([propertySpec(type, paths)], [objectSpec(view, true)]), maxObjects);
  } finally {
    await c.invoke("DestroyView", view).catch(() => undefined);
  }
}

function decodeViewRef(payload: XmlElement): MoRef {
  const rv = payload.children.find((x) => x.name === "returnval");
  if (!rv) throw new Error("CreateContainerView returned no view");
  return { type: rv.attrs.find((a) => a.name === "type")?.value ?? "ContainerView", value: rv.text.trim() };
}

