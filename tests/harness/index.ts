/**
 * The test harness: the SDK's dynamic-provider host driven over gRPC the way the Pulumi engine
 * drives it, with a JSON state file. See engine.ts for the call sequence and host.ts for the wire.
 */
export { DynamicProviderHost } from "./host";
export type { HostOptions, ConfigureResult, ResourceRef, CheckResult, CheckFailure, DiffResult, DiffChanges, CreateResult, ReadResult } from "./host";
export type { HostLine } from "./hostProcess";
export { Engine, OperationError } from "./engine";
export type { EngineOptions } from "./engine";
export { assertPreviewMatchesUp, summarize, isNoop } from "./plan";
export type { Plan, StepReport, StepOp, OperationKind } from "./plan";
export { resource, get, ref, refId, secret, unknown, dynamicType, serializeProvider, ResourceDeclaration, OutputRef } from "./program";
export type { Program, ResourceOptions, DeclareOptions, Input, InputMap, ProviderObject, SerializedProvider } from "./program";
export type { StackConfig } from "./config";
export { StateFile } from "./state";
export type { StackState, ResourceState } from "./state";
export { HostCallError } from "./errors";
export type { InitFailure } from "./errors";
export { stripSecrets, annotateSecrets } from "./secrets";
export { SIG_KEY, SECRET_SIG, UNKNOWN, PROVIDER_KEY, isSecret, makeSecret } from "./wire";
export type { JsonValue, PropertyMap } from "./wire";
export { makeUrn } from "./urn";
export { EngineLogServer } from "./engineServer";
export type { EngineLogEntry } from "./engineServer";
