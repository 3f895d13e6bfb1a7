/** HttpNfcLease: wait until ready, Progress, manifest, Complete / Abort (the keep-alive: leaseUpdater.ts). */
import { waitFor } from "../wait";
import { el } from "../soap";
import { asBool, asNumber, asObject, asString, decodeObject, many } from "./decode";
import { fromLocalizedFault, MethodNotFoundError } from "./faults";
import { retrieveProperties, type PropertyCollectorHost } from "./properties";
import { localizedFault } from "./spec";
import type { MoRef, VimValue } from "./types";

export interface LeaseDeviceUrl {
  /** Device id, e.g. `/vm-42/VirtualLsiLogicSASController0:0` (OvfFile.deviceId). */
  key: string;
  url: string;
  sslThumbprint?: string;
  disk: boolean;
  targetId?: string;
  datastoreKey?: string;
  fileSize?: number;
}

export interface LeaseInfo {
  lease: MoRef;
  entity?: MoRef;
  deviceUrls: LeaseDeviceUrl[];
  totalDiskCapacityKB: number;
  /** Seconds without Progress after which vSphere expires the lease. */
  leaseTimeoutSeconds: number;
}

export interface ManifestEntry {
  key: string;
  sha1: string;
  checksum?: string;
  checksumType?: string;
  size: number;
  disk: boolean;
}

const o = asObject;

export function decodeLeaseInfo(lease: MoRef, v: VimValue | undefined): LeaseInfo {
  const info = o(v);
  return {
    lease,
    entity: o(info.entity).value !== undefined ? (info.entity as MoRef) : undefined,
    deviceUrls: many(info.deviceUrl).map((d) => {
      const x = o(d);
      return {
        key: String(x.key ?? ""),
        url: String(x.url ?? ""),
        sslThumbprint: asString(x.sslThumbprint) || undefined,
        disk: asBool(x.disk) === true,
        targetId: asString(x.targetId) || undefined,
        datastoreKey: asString(x.datastoreKey) || undefined,
        fileSize: asNumber(x.fileSize),
      };
    }),
    totalDiskCapacityKB: asNumber(info.totalDiskCapacityInKB) ?? 0,
    leaseTimeoutSeconds: asNumber(info.leaseTimeout) ?? 300,
  };
}

/**
 * Polls the lease until it leaves `initializing` (50 ms growing to 1 s); `error` throws the lease's
 * fault, the deadline a DeadlineError. Polled rather than watched: a lease's state may change
 * without the property collector announcing it (vcsim's export lease does).
 */
export async function waitForLease(c: PropertyCollectorHost, lease: MoRef, timeoutMs = 10 * 60_000, signal?: AbortSignal): Promise<LeaseInfo> {
  return waitFor<LeaseInfo, string>(
    async ({ deadline }) => {
      const oc = await retrieveProperties(c, lease, ["state", "info", "error"], deadline); // the deadline holds during a poll too
      const state = String(oc.props.state ?? "");
      if (state === "ready") return { done: true, value: decodeLeaseInfo(lease, oc.props.info) };
      if (state === "error") return { done: true, error: fromLocalizedFault(oc.props.error, `export lease ${lease.value}`) };
      if (state === "done") return { done: true, error: new Error(`export lease ${lease.value} is already complete; start a new export`) };
      return { done: false };
    },
    {
      awaited: `export lease ${lease.value} to be ready`,
      deadline: Date.now() + timeoutMs,
      resumable: false,
      fix: "check the VM's tasks in vCenter and retry with a longer timeout",
      signal,
    },
  );
}

/** Reports transfer progress (0..100); every call renews the lease. */
export async function leaseProgress(c: PropertyCollectorHost, lease: MoRef, percent: number): Promise<void> {
  await c.invoke("HttpNfcLeaseProgress", lease, el("percent", Math.max(0, Math.min(100, Math.floor(percent)))));
}

/** The server's hashes of what was transferred; undefined when the server has no GetManifest. */
export async function leaseManifest(c: PropertyCollectorHost, lease: MoRef): Promise<ManifestEntry[] | undefined> {
  let payload;
  try {
    payload = await c.invoke("HttpNfcLeaseGetManifest", lease);
  } catch (e) {
    if (e instanceof MethodNotFoundError) return undefined;
    throw e;
  }
  return payload.children
    .filter((x) => x.name === "returnval")
    .map((x) => decodeObject(x))
    .map((e) => ({
      key: String(e.key ?? ""),
      sha1: String(e.sha1 ?? "").toLowerCase(),
      checksum: typeof e.checksum === "string" ? e.checksum.toLowerCase() : undefined,
      checksumType: typeof e.checksumType === "string" ? e.checksumType : undefined,
      size: Number(e.size ?? 0),
      disk: asBool(e.disk) === true,
    }));
}

export async function leaseComplete(c: PropertyCollectorHost, lease: MoRef): Promise<void> {
  await c.invoke("HttpNfcLeaseComplete", lease);
}

/** Aborts the lease with a reason; never throws (the lease may already be gone or expired). */
export async function leaseAbort(c: PropertyCollectorHost, lease: MoRef, reason: string): Promise<void> {
  await c.invoke("HttpNfcLeaseAbort", lease, localizedFault("fault", reason)).catch(() => undefined);
}
