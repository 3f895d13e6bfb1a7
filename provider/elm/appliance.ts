/**
 * The appliance itself: `QueryManagementApplianceDetailsWithParam` (identity and software version)
 * and the version gate that refuses an operation an appliance's version does not support.
 */
import { fields } from "../soap";
import type { ElmSession } from "./session";
import type { ElmId } from "./types";
import { bool, num, optStr, str } from "./wire";

/** What identifies an appliance: a migrated or copied ELM answers with another UniqueId. */
export interface ApplianceDetails {
  id: ElmId;
  name: string;
  /** `UniqueId`: stays with the appliance, differs on a migration target or a test copy. */
  uniqueId: string;
  /** `SoftwareVersion`, e.g. `4.15.0.5` or `24.9.0.1`. */
  softwareVersion: string;
  hostName: string;
  ipAddress: string;
  startDate?: string;
  needsAttention: boolean;
}

/** `QueryManagementApplianceDetailsWithParam` (IncludeNetworkInfo false, as ctxal-sdk's Get-ALSystemInfo sends it). */
export async function queryApplianceDetails(session: ElmSession): Promise<ApplianceDetails> {
  const r = await session.call("QueryManagementApplianceDetailsWithParam", "query", fields([["IncludeNetworkInfo", false]]));
  return {
    id: num(r, "Id"),
    name: str(r, "Name"),
    uniqueId: str(r, "UniqueId"),
    softwareVersion: str(r, "SoftwareVersion"),
    hostName: str(r, "HostName"),
    ipAddress: str(r, "IpAddress"),
    startDate: optStr(r, "StartDate"),
    needsAttention: bool(r, "NeedsAttention"),
  };
}

/**
 * The lowest appliance version each operation this project uses is known to work on. ctxal-sdk,
 * whose envelopes these are, states "ELM 4.11 or later" for all of them (its README); nothing
 * public says when any was introduced, so 4.11 is the floor for each.
 */
export const MIN_VERSION: Readonly<Record<string, string>> = {
  DeleteOsLayerRevisions: "4.11",
  QueryImageByLayerRevision: "4.11",
  UpdateOsLayerAssignment: "4.11",
};

/**
 * A comparable rank of an App Layering version. 4.x releases come first; then the year-month
 * releases, written `2409`, `2409.1` or `24.9.0.1` (the product's own forms).
 */
export function versionRank(version: string): number[] | undefined {
  const parts = version.trim().split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (parts.length === 0 || parts.some((n) => Number.isNaN(n))) return undefined;
  const [a, b = 0, ...rest] = parts;
  if (a >= 1000) return [1, a, b, ...rest]; // 2409[.x]
  if (a >= 20 && a < 100) return [1, a * 100 + b, ...rest]; // 24.9[.x] = 2409
  return [0, a, b, ...rest]; // 4.x
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when `version` is at least `min`; an unparsable version (a test build) is not refused. */
export function versionAtLeast(version: string, min: string): boolean {
  const v = versionRank(version);
  const m = versionRank(min);
  return !v || !m || compare(v, m) >= 0;
}

/** Refused before it is sent: the appliance's version does not support the operation. */
export class UnsupportedByApplianceError extends Error {
  constructor(readonly operation: string, readonly softwareVersion: string, readonly minimum: string, url: string) {
    super(
      `ELM ${operation} at ${url} refused before sending: the appliance runs App Layering ${softwareVersion}, ` +
        `and ${operation} needs ${minimum} or later; upgrade the appliance or leave out the setting that needs it`,
    );
    this.name = "UnsupportedByApplianceError";
  }
}

/** Throws UnsupportedByApplianceError when the appliance is older than the operation's floor. */
export function assertSupports(appliance: Pick<ApplianceDetails, "softwareVersion">, operation: string, url: string): void {
  const min = MIN_VERSION[operation];
  if (min && !versionAtLeast(appliance.softwareVersion, min)) throw new UnsupportedByApplianceError(operation, appliance.softwareVersion, min, url);
}
