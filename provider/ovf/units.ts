/**
 * Allocation units of OVF quantities (DMTF DSP0004 programmatic units), e.g. `byte * 2^30`.
 * vSphere writes `byte * 2^30` / `byte * 2^20`, govmomi's template plain `byte`; older tools
 * write names such as `MegaBytes`.
 */

const NAMED: Record<string, number> = {
  byte: 1,
  bytes: 1,
  kb: 2 ** 10,
  kilobytes: 2 ** 10,
  mb: 2 ** 20,
  megabytes: 2 ** 20,
  gb: 2 ** 30,
  gigabytes: 2 ** 30,
  tb: 2 ** 40,
  terabytes: 2 ** 40,
};

/**
 * The number of bytes in one unit, or undefined when the units are not a byte quantity this
 * parser knows. Accepts `byte`, `byte * B^E`, `byte * N` (any spacing and case) and the named
 * units above.
 */
export function bytesPerUnit(units: string): number | undefined {
  const u = units.trim().toLowerCase().replace(/\s+/g, " ");
  if (u in NAMED) return NAMED[u];
  const m = /^bytes? ?\* ?(\d+)(?: ?\^ ?(\d+))?$/.exec(u);
  if (!m) return undefined;
  const base = Number(m[1]);
  const exp = m[2] === undefined ? 1 : Number(m[2]);
  const factor = base ** exp;
  return Number.isSafeInteger(factor) && factor > 0 ? factor : undefined;
}

/** Parses a non-negative integer as written in a descriptor; undefined when it is not one. */
export function parseCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}
