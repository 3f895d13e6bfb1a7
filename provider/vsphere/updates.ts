/**
 * Waiting on an object's properties the way vCenter means it, as govmomi's property.Wait does: a
 * PropertyCollector of our own (concurrent waits in one session must not share one: each
 * WaitForUpdatesEx sees every filter of its collector), CreateFilter, then WaitForUpdatesEx with the
 * version token until the caller's check says done; the collector, and with it the filter, is
 * destroyed afterwards. Each call waits at most maxWaitSeconds on the server and its request gets
 * that plus a margin; each reply is bounded by the transport's reply cap and maxObjectUpdates.
 */
import { XmlElement, child, children, el, xsiType } from "../soap";
import { Step, waitFor } from "../wait";
import { decodeMoRef, decodeValue } from "./decode";
import { ManagedObjectNotFoundError } from "./faults";
import { propertySpec, objectSpec, type PropertyCollectorHost } from "./properties";
import type { MoRef, VimValue } from "./types";

/** Longest server-side wait of one WaitForUpdatesEx call. */
export const MAX_WAIT_SECONDS = 60;
/** Time a WaitForUpdatesEx request gets beyond its maxWaitSeconds before the client gives up on it. */
export const WAIT_MARGIN_MS = 10_000;
/** ObjectUpdates one reply may carry (we watch one object; vCenter says `truncated` for the rest). */
export const MAX_OBJECT_UPDATES = 16;

export type Props = Record<string, VimValue>;

export interface PropertyWaitOptions {
  /** What is awaited, for the DeadlineError, e.g. `powering on web01 (task task-7)`. */
  awaited: string;
  deadline: number;
  resumable: boolean;
  fix?: string;
  signal?: AbortSignal;
  /** Called with the properties as first seen and after each change. */
  onChange?: (props: Props) => void;
  describe?: (props: Props) => string;
  /** Per-call server wait (default and cap MAX_WAIT_SECONDS); tests make it small. */
  maxWaitSeconds?: number;
}

export interface ObjectUpdateDecoded {
  kind: string;
  obj: MoRef;
  changes: Array<{ name: string; op: string; val?: VimValue }>;
  missing: Array<{ path: string; fault: string }>;
}

/** The UpdateSet of a WaitForUpdatesEx reply; undefined when the wait ended with no change. */
export function decodeUpdateSet(payload: XmlElement): { version: string; truncated: boolean; updates: ObjectUpdateDecoded[] } | undefined {
  const rv = child(payload, "returnval");
  if (!rv) return undefined;
  const updates: ObjectUpdateDecoded[] = [];
  for (const fs of children(rv, "filterSet")) {
    for (const os of children(fs, "objectSet")) {
      const objEl = child(os, "obj");
      updates.push({
        kind: child(os, "kind")?.text.trim() ?? "",
        obj: objEl ? decodeMoRef(objEl) : { type: "", value: "" },
        changes: children(os, "changeSet").map((c) => {
          const val = child(c, "val");
          return { name: child(c, "name")?.text.trim() ?? "", op: child(c, "op")?.text.trim() ?? "assign", val: val ? decodeValue(val) : undefined };
        }),
        missing: children(os, "missingSet").map((m) => {
          const f = child(m, "fault");
          const inner = child(f, "fault") ?? f; // LocalizedMethodFault.fault carries the type
          return { path: child(m, "path")?.text.trim() ?? "", fault: (inner && xsiType(inner)?.name) ?? "" };
        }),
      });
    }
  }
  return { version: child(rv, "version")?.text.trim() ?? "", truncated: child(rv, "truncated")?.text.trim() === "true", updates };
}

function returnedRef(payload: XmlElement, method: string): MoRef {
  const rv = child(payload, "returnval");
  if (!rv) throw new Error(`${method} returned no object reference`);
  return decodeMoRef(rv);
}

/**
 * Waits until `check` returns a done Step for the object's properties (`paths`), as they are when
 * the wait starts and after every change vCenter reports. A passed deadline is a DeadlineError.
 */
export async function waitForProperties<R>(
  c: PropertyCollectorHost,
  obj: MoRef,
  paths: string[],
  check: (props: Props) => Step<R, Props>,
  opts: PropertyWaitOptions,
): Promise<R> {
  const maxWait = Math.max(1, Math.min(MAX_WAIT_SECONDS, opts.maxWaitSeconds ?? MAX_WAIT_SECONDS));
  const props: Props = {};
  let collector: MoRef | undefined;
  let version = "";
  let seq = 0; // changes seen: the state key, so a change resets the backoff and reaches onChange
  const cancel = () => {
    if (collector) void c.invoke("CancelWaitForUpdates", collector, undefined, undefined, Date.now() + WAIT_MARGIN_MS).catch(() => undefined);
  };
  opts.signal?.addEventListener("abort", cancel, { once: true });
  try {
    return await waitFor<R, { seq: number; props: Props }>(
      async ({ deadline }) => {
        if (!collector) {
          collector = returnedRef(await c.invoke("CreatePropertyCollector", c.serviceContent.propertyCollector, undefined, undefined, deadline), "CreatePropertyCollector");
          await c.invoke("CreateFilter", collector, [el("spec", [propertySpec(obj.type, paths), objectSpec(obj)]), el("partialUpdates", false)], undefined, deadline);
        }
        const left = Math.ceil((deadline - Date.now()) / 1000);
        const seconds = Math.max(1, Math.min(maxWait, left));
        const payload = await c.invoke(
          "WaitForUpdatesEx",
          collector,
          [el("version", version), el("options", [el("maxWaitSeconds", seconds), el("maxObjectUpdates", MAX_OBJECT_UPDATES)])],
          undefined,
          Date.now() + seconds * 1000 + WAIT_MARGIN_MS,
        );
        const set = decodeUpdateSet(payload);
        if (!set) return { done: false }; // maxWaitSeconds passed with no change
        version = set.version;
        let changed = false;
        for (const u of set.updates) {
          if (u.obj.value !== obj.value) continue;
          if (u.kind === "leave") throw new ManagedObjectNotFoundError("ManagedObjectNotFound", `${obj.type}:${obj.value} was deleted while waiting for ${opts.awaited}`, { obj }, "WaitForUpdatesEx");
          const lost = u.missing.find((m) => m.fault === "NotAuthenticated" || m.fault === "ManagedObjectNotFound");
          if (lost) throw new Error(`reading ${lost.path} of ${obj.type}:${obj.value} failed with ${lost.fault} while waiting for ${opts.awaited}`);
          for (const ch of u.changes) {
            changed = true;
            if (ch.op === "remove" || ch.op === "indirectRemove" || ch.val === undefined) delete props[ch.name];
            else props[ch.name] = ch.val;
          }
        }
        if (changed) seq++;
        const step = check(props);
        const state = { seq, props };
        if (!step.done) return set.truncated ? { done: false, state: { seq: ++seq, props } } : { done: false, state };
        return "error" in step ? { done: true, error: step.error, state } : { done: true, value: step.value, state };
      },
      {
        awaited: opts.awaited,
        deadline: opts.deadline,
        resumable: opts.resumable,
        fix: opts.fix,
        signal: opts.signal,
        // The server did the waiting: after a change ask again at once, after an empty wait soon.
        backoff: { initialMs: 1, maxMs: 1000, factor: 10 },
        changeKey: (s) => String(s.seq),
        onChange: opts.onChange ? (s) => opts.onChange!(s.props) : undefined,
        describe: opts.describe ? (s) => opts.describe!(s.props) : undefined,
      },
    );
  } finally {
    opts.signal?.removeEventListener("abort", cancel);
    if (collector) await c.invoke("DestroyPropertyCollector", collector, undefined, undefined, Date.now() + WAIT_MARGIN_MS).catch(() => undefined);
  }
}
