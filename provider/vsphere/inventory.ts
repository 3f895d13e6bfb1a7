/**
 * Inventory paths (`DC0/vm/Folder/My VM`), as vSphere's SearchIndex understands them: names
 * joined by `/`, with `%` and `/` inside a name escaped as `%25` and `%2f` (vSphere stores
 * names escaped that way already).
 */
import { el } from "../soap";
import { decodeMoRef } from "./decode";
import { retrieveProperties, type PropertyCollectorHost } from "./properties";
import { waitForTask } from "./tasks";
import type { MoRef } from "./types";


/** Escapes a display name for use as one inventory path segment. */
export function escapeName(name: string): string {
  return name.replace(/%(?![0-9a-fA-F]{2})/g, "%25").replace(/\//g, "%2f");
}

/** Joins escaped segments into an inventory path. */
export function joinPath(...segments: string[]): string {
  return segments.filter((s) => s.length > 0).join("/");
}

/** The object at an inventory path, or undefined when there is none. */
export async function findByInventoryPath(c: PropertyCollectorHost, inventoryPath: string): Promise<MoRef | undefined> {
  const p = inventoryPath.replace(/^\/+|\/+$/g, "");
  const payload = await c.invoke("FindByInventoryPath", c.serviceContent.searchIndex, el("inventoryPath", p));
  const rv = payload.children.find((x) => x.name === "returnval");
  return rv ? decodeMoRef(rv) : undefined;
}

/** Like findByInventoryPath, but throws a helpful error when nothing is there. */
export async function mustFind(c: PropertyCollectorHost, inventoryPath: string, what = "object"): Promise<MoRef> {
  const ref = await findByInventoryPath(c, inventoryPath);
  if (!ref) {
    throw new Error(
      `no ${what} at inventory path "${inventoryPath}" on ${hostOf(c)}; check the datacenter and folder names ` +
        `(paths look like "DC0/vm/Folder/name", with "/" inside a name written as %2f)`,
    );
  }
  return ref;
}

function hostOf(c: PropertyCollectorHost): string {
  return (c as { host?: string }).host ?? "vCenter";
}

/** The inventory path of an object (walks `parent` up to the root folder). */
export async function inventoryPath(c: PropertyCollectorHost, ref: MoRef): Promise<string> {
  const names: string[] = [];
  let cur: MoRef | undefined = ref;
  const root = c.serviceContent.rootFolder;
  for (let i = 0; cur && i < 64; i++) {
    if (cur.type === root.type && cur.value === root.value) break;
    const oc = await retrieveProperties(c, cur, ["name", "parent"]);
    names.unshift(String(oc.props.name ?? ""));
    const parent = oc.props.parent;
    cur = parent && typeof parent === "object" && !Array.isArray(parent) && "value" in parent ? (parent as MoRef) : undefined;
  }
  return names.join("/");
}

/** The datacenter's standard child folders. */
export interface DatacenterFolders {
  datacenter: MoRef;
  vmFolder: MoRef;
  hostFolder: MoRef;
  datastoreFolder: MoRef;
  networkFolder: MoRef;
}

export async function datacenterFolders(c: PropertyCollectorHost, datacenterPath: string): Promise<DatacenterFolders> {
  const dc = await mustFind(c, datacenterPath, "datacenter");
  const oc = await retrieveProperties(c, dc, ["vmFolder", "hostFolder", "datastoreFolder", "networkFolder"]);
  const get = (k: string): MoRef => oc.props[k] as MoRef;
  return { datacenter: dc, vmFolder: get("vmFolder"), hostFolder: get("hostFolder"), datastoreFolder: get("datastoreFolder"), networkFolder: get("networkFolder") };
}

/** Creates a folder (synchronous CreateFolder); throws DuplicateNameError when it exists. */
export async function createFolder(c: PropertyCollectorHost, parent: MoRef, name: string): Promise<MoRef> {
  const payload = await c.invoke("CreateFolder", parent, el("name", name));
  return decodeMoRef(payload.children.find((x) => x.name === "returnval")!);
}

/** Renames any managed entity (Rename_Task). */
export async function renameEntity(c: PropertyCollectorHost, ref: MoRef, newName: string, timeoutMs = 60_000): Promise<void> {
  const payload = await c.invoke("Rename_Task", ref, el("newName", newName));
  await waitForTask(c, decodeMoRef(payload.children.find((x) => x.name === "returnval")!), { timeoutMs, operation: `renaming ${ref.type}:${ref.value}` });
}

