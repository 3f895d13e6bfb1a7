/**
 * Outputs travel to the engine as a protobuf Struct, which has no `undefined`: a nested undefined
 * makes the host fail with "Unexpected struct type". Everything returned passes through here.
 */
export function plain<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => plain(v)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plain(v);
    return out as T;
  }
  return value;
}
