/**
 * Errors from the provider host, with the partial-failure detail the engine reads from the
 * `grpc-status-details-bin` trailer: a `pulumirpc.ErrorResourceInitFailed` packed in a
 * `google.rpc.Status`. The host sends it when a provider throws an Error carrying `id`
 * (plus `properties` and `reasons`): the object exists but did not finish initialising.
 */
import type { ServiceError } from "@grpc/grpc-js";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { ErrorResourceInitFailed } from "@pulumi/pulumi/proto/provider_pb";
import { fromStruct } from "./struct";
import { PropertyMap } from "./wire";

export interface InitFailure {
  id: string;
  /** The outputs the provider reported with the failure (the engine stores them as the outputs). */
  properties: PropertyMap;
  reasons: string[];
  inputs?: PropertyMap;
}

/** A failed RPC to the dynamic host: which call, the gRPC status, and the provider's message. */
export class HostCallError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    readonly details: string,
    readonly initFailure?: InitFailure,
  ) {
    super(`${method}: ${details} (gRPC status ${code})`);
    this.name = "HostCallError";
  }
}

const INIT_FAILED_TYPE = "pulumirpc.ErrorResourceInitFailed";

export function decodeInitFailure(err: ServiceError): InitFailure | undefined {
  const raw = err.metadata?.get("grpc-status-details-bin") ?? [];
  for (const bin of raw) {
    const status = Status.deserializeBinary(typeof bin === "string" ? Buffer.from(bin, "base64") : bin);
    for (const any of status.getDetailsList()) {
      if (any.getTypeName() !== INIT_FAILED_TYPE) continue;
      const detail = any.unpack(ErrorResourceInitFailed.deserializeBinary, INIT_FAILED_TYPE);
      if (!detail) continue;
      return {
        id: detail.getId(),
        properties: fromStruct(detail.getProperties()) ?? {},
        reasons: detail.getReasonsList(),
        inputs: fromStruct(detail.getInputs()),
      };
    }
  }
  return undefined;
}

export function toHostCallError(method: string, err: ServiceError): HostCallError {
  return new HostCallError(method, err.code, err.details || err.message, decodeInitFailure(err));
}
