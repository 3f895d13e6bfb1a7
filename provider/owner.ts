/**
 * Which stack made an object. A mark proves ownership only of the object it was written for: it
 * carries an HMAC-SHA256 tag over the stack and that object's identity (a VM's instanceUuid; a
 * layer's id and the import ticket that made it). Anyone who can edit notes can copy a mark or
 * type the product name, and a vCenter clone inherits its source's notes, but none of these
 * verify: the identity differs, and without the key the tag cannot be computed.
 *
 * The key is the secret `applayering:ownerKey` when set; otherwise it is derived from the project
 * and stack, which still binds each mark to its object (a copied mark never verifies elsewhere).
 * The engine gives the provider host the project and stack in its environment.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ownerKey } from "./config";

export const PRODUCT_MARK = "pulumi-applayering";

export function ownerTag(env: NodeJS.ProcessEnv = process.env): string {
  const project = env.PULUMI_PROJECT ?? env.PULUMI_NODEJS_PROJECT;
  const stack = env.PULUMI_STACK ?? env.PULUMI_NODEJS_STACK;
  return project && stack ? `${project}/${stack}` : (project ?? "");
}

/** What a mark is bound to: the kind of object and the values that identify it. */
export interface MarkIdentity {
  kind: "vm" | "layer" | "import";
  /** Name/value pairs in a fixed order, e.g. [["vm", instanceUuid]]; values hold no space or "]". */
  fields: Array<[string, string]>;
}

function key(env: NodeJS.ProcessEnv): Buffer {
  const secret = ownerKey(env);
  // Without a secret: a key that differs per project and stack (a sibling stack's marks never verify).
  return createHash("sha256").update(secret !== undefined ? `key\0${secret}` : `stack\0${ownerTag(env)}`).digest();
}

function tag(id: MarkIdentity, env: NodeJS.ProcessEnv): string {
  const message = [PRODUCT_MARK, "v2", ownerTag(env), id.kind, ...id.fields.map(([k, v]) => `${k}=${v}`)].join("\0");
  return createHmac("sha256", key(env)).update(message).digest("hex").slice(0, 32);
}

const SAFE = /^[A-Za-z0-9._:-]+$/;

/** `[pulumi-applayering project/stack vm=<uuid> mac=<tag>]`: the mark for exactly this object. */
export function ownerMark(id: MarkIdentity, env: NodeJS.ProcessEnv = process.env): string {
  for (const [k, v] of id.fields) if (!SAFE.test(k) || !SAFE.test(v)) throw new Error(`owner mark: identity ${k}="${v}" must be letters, digits, . _ : or -`);
  const owner = ownerTag(env);
  return `[${PRODUCT_MARK}${owner ? ` ${owner}` : ""} ${id.fields.map(([k, v]) => `${k}=${v}`).join(" ")} mac=${tag(id, env)}]`;
}

/** The mark left on requests before an object has an identity (e.g. the import comment): names the stack, proves nothing. */
export function productMark(env: NodeJS.ProcessEnv = process.env): string {
  const owner = ownerTag(env);
  return `[${PRODUCT_MARK}${owner ? ` ${owner}` : ""}]`;
}

const MARK = new RegExp(`\\[${PRODUCT_MARK}(?: [^\\]\\s=]+)?((?: [A-Za-z0-9._:-]+=[A-Za-z0-9._:-]+)+) mac=([0-9a-f]{32})\\]`, "g");

/** The identity fields and tags of every mark-shaped token in a text (whether or not they verify). */
export function marksIn(text: string): Array<{ fields: Array<[string, string]>; mac: string }> {
  return [...text.matchAll(MARK)].map((m) => ({
    fields: m[1].trim().split(" ").map((kv) => kv.split("=", 2) as [string, string]),
    mac: m[2],
  }));
}

/** Whether `text` holds a mark that verifies for exactly this object and this stack's key. */
export function verifiesMark(text: string, id: MarkIdentity, env: NodeJS.ProcessEnv = process.env): boolean {
  const want = Buffer.from(tag(id, env));
  const fields = JSON.stringify(id.fields);
  return marksIn(text).some((m) => JSON.stringify(m.fields) === fields && timingSafeEqual(Buffer.from(m.mac), want));
}

/** A VM's mark: bound to its instanceUuid. */
export const vmIdentity = (instanceUuid: string): MarkIdentity => ({ kind: "vm", fields: [["vm", instanceUuid.toLowerCase()]] });

/** A layer's mark: bound to its id and the ELM task (ticket) that imported it. */
export const layerIdentity = (layerId: number | string, ticketId: number | string): MarkIdentity => ({
  kind: "layer",
  fields: [["layer", String(layerId)], ["ticket", String(ticketId)]],
});

/**
 * The import comment's mark, before the layer has an id: bound to the layer name and a nonce. It
 * counts only in the entry that created the layer (the oldest of its history: no later edit can
 * put an entry before it), so that a crash between the import and the EditLayer binding the id
 * still lets the re-run continue with its layer.
 */
export const importIdentity = (layerName: string, nonce: string): MarkIdentity => ({
  kind: "import",
  fields: [["import", nonce], ["name", createHash("sha256").update(layerName).digest("hex").slice(0, 32)]],
});

/** Whether a layer's audit history holds a mark that verifies for it (see layerMarked). */
export function layerHistoryMarked(entries: Array<{ id: number; comment: string }>, layerId: number | string, layerName: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (layerMarked(entries.map((e) => e.comment), layerId, env)) return true;
  const first = [...entries].sort((a, b) => a.id - b.id)[0];
  if (!first) return false;
  return marksIn(first.comment).some((m) => m.fields.length === 2 && m.fields[0][0] === "import" && verifiesMark(first.comment, importIdentity(layerName, m.fields[0][1]), env));
}

/** Whether a layer's audit comments hold a verifying mark for this layer id (with the ticket it names). */
export function layerMarked(comments: string[], layerId: number | string, env: NodeJS.ProcessEnv = process.env): boolean {
  return comments.some((c) =>
    marksIn(c).some((m) => {
      const [layer, ticket] = m.fields;
      return m.fields.length === 2 && layer[0] === "layer" && layer[1] === String(layerId) && ticket[0] === "ticket" && verifiesMark(c, layerIdentity(layerId, ticket[1]), env);
    }),
  );
}
