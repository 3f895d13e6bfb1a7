/**
 * Errors a reconciler throws back to the engine.
 */

/**
 * The object exists but the operation did not finish (a deadline passed, a later step failed).
 * The dynamic-provider host sends `id` and `properties` as ErrorResourceInitFailed, so the engine
 * records the object in state and the next `pulumi up` resumes it instead of making another.
 * `properties` must carry `__provider`, or refresh and destroy would find no provider in state.
 */
export class PartialFailure extends Error {
  readonly reasons: string[];

  constructor(
    readonly id: string,
    readonly properties: Record<string, unknown>,
    message: string,
  ) {
    super(message);
    this.name = "PartialFailure";
    this.reasons = [message];
  }
}

/** The key under which the host keeps the serialized provider in inputs and outputs. */
export const PROVIDER_KEY = "__provider";

/** Copies the serialized provider from inputs (or old outputs) onto partial outputs. */
export function withProvider(from: object, outs: object): Record<string, unknown> {
  const o = outs as Record<string, unknown>;
  const provider = (from as Record<string, unknown>)[PROVIDER_KEY];
  return provider === undefined ? o : { ...o, [PROVIDER_KEY]: provider };
}
