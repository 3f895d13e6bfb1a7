/**
 * The test harness: a stand-in for the Pulumi engine. Real programs run through the SDK's runtime
 * against its resource monitor; the SDK's dynamic-provider host is driven over gRPC the way the
 * engine drives it, one host per operation, with a JSON state file. See engine.ts.
 */
export { DynamicProviderHost } from "./host";
export type { HostOptions, ConfigureResult, ResourceRef, CheckResult, CheckFailure, DiffResult, DiffChanges, CreateResult, ReadResult } from "./host";
export type { HostLine } from "./hostProcess";
export { Engine, OperationError, DEFAULT_PARALLEL } from "./engine";
export { pulumiProgram, PulumiProgram } from "./pulumiProgram";
export type { PulumiProgramOptions } from "./pulumiProgram";
export { MonitorServer } from "./monitor";
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
