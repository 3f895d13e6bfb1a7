/**
 * vim faults as typed errors. A SOAP fault's detail names the fault type (`xsi:type`); a task
 * failure carries a LocalizedMethodFault. Both become a `VimFault` subclass, so callers can
 * write `err instanceof InvalidPowerStateError` or test `err.faultType`.
 */
import { SoapFaultError, XmlElement, redact, xsiType } from "../soap";
import { decodeObject } from "./decode";
import type { MoRef, VimObject, VimValue } from "./types";
import { isMoRef } from "./types";
import { ErrorKind, tag } from "../errorKinds";

export class VimFault extends Error {
  /** The vim fault type, e.g. `InvalidPowerState`. */
  readonly faultType: string;
  /** The fault's fields as sent by the server. */
  readonly fields: VimObject;
  /** The operation that failed, e.g. `PowerOnVM_Task on VirtualMachine:vm-42`. */
  readonly operation: string;

  constructor(faultType: string, message: string, fields: VimObject, operation: string) {
    super(message);
    this.name = `${faultType}Error`;
    this.faultType = faultType;
    this.fields = fields;
    this.operation = operation;
  }
}

export class InvalidLoginError extends VimFault {}
export class NotAuthenticatedError extends VimFault {}
export class ManagedObjectNotFoundError extends VimFault {
  /** The object that does not exist (any more). */
  get obj(): MoRef | undefined {
    const o = this.fields.obj;
    return isMoRef(o) ? o : undefined;
  }
}
export class InvalidStateError extends VimFault {}
export class InvalidPowerStateError extends InvalidStateError {
  get existingState(): string | undefined {
    return typeof this.fields.existingState === "string" ? this.fields.existingState : undefined;
  }
}
export class TimedoutError extends VimFault {}
export class InvalidArgumentError extends VimFault {}
export class MethodNotFoundError extends VimFault {}
export class FileNotFoundError extends VimFault {}
export class DuplicateNameError extends VimFault {}
export class NotSupportedError extends VimFault {}
export class ToolsUnavailableError extends VimFault {}
export class RequestCanceledError extends VimFault {}

type FaultClass = new (t: string, m: string, f: VimObject, o: string) => VimFault;

const CLASSES: Record<string, FaultClass> = {
  InvalidLogin: InvalidLoginError,
  NotAuthenticated: NotAuthenticatedError,
  ManagedObjectNotFound: ManagedObjectNotFoundError,
  InvalidState: InvalidStateError,
  InvalidPowerState: InvalidPowerStateError,
  InvalidHostState: InvalidStateError,
  InvalidDatastoreState: InvalidStateError,
  Timedout: TimedoutError,
  InvalidArgument: InvalidArgumentError,
  MethodNotFound: MethodNotFoundError,
  FileNotFound: FileNotFoundError,
  DuplicateName: DuplicateNameError,
  NotSupported: NotSupportedError,
  ToolsUnavailable: ToolsUnavailableError,
  RequestCanceled: RequestCanceledError,
};

/** What to do, per fault type, appended to messages. */
const ADVICE: Record<string, string> = {
  InvalidLogin: "check the vSphere user and password",
  NotAuthenticated: "the session was lost; log in again",
  ManagedObjectNotFound: "the object was deleted or never existed; refresh and look it up again",
  InvalidPowerState: "change the VM's power state first",
  Timedout: "retry, and keep the operation within its timeout",
  NoPermission: "grant the vSphere user the missing privilege",
};

/** The kind of a fault type (errorKinds.ts); faults not listed carry none. */
const KINDS: Record<string, ErrorKind> = {
  InvalidLogin: "auth",
  NotAuthenticated: "auth",
  NoPermission: "permission",
  ManagedObjectNotFound: "notFound",
  FileNotFound: "notFound",
  NotFound: "notFound",
  DuplicateName: "conflict",
  AlreadyExists: "conflict",
  InvalidState: "conflict",
  InvalidPowerState: "conflict",
  ConcurrentAccess: "conflict",
  TaskInProgress: "conflict",
  Timedout: "timeout",
  NoDiskSpace: "space",
  InsufficientResourcesFault: "space",
};

/** Builds the typed error for a fault type; `text` is the server's message (may be empty). */
export function makeFault(faultType: string, text: string, fields: VimObject, operation: string): VimFault {
  const cls = CLASSES[faultType] ?? VimFault;
  const what = text && !text.startsWith("*types.") ? `${faultType}: ${text}` : faultType;
  const extra = describeFields(faultType, fields);
  const advice = ADVICE[faultType] ? ` (${ADVICE[faultType]})` : "";
  const err = new cls(faultType, `${operation} failed with ${what}${extra}${advice}`, fields, operation);
  return KINDS[faultType] ? tag(err, KINDS[faultType], "vsphere") : err;
}

function describeFields(faultType: string, f: VimObject): string {
  if (faultType === "InvalidPowerState" && typeof f.existingState === "string") {
    return ` (the VM is ${f.existingState}${typeof f.requestedState === "string" ? `, the operation needs ${f.requestedState}` : ""})`;
  }
  if (faultType === "ManagedObjectNotFound" && isMoRef(f.obj)) return ` (${f.obj.type}:${f.obj.value})`;
  if (typeof f.name === "string" && faultType === "DuplicateName") return ` ("${f.name}")`;
  return "";
}

/** The fault type and fields of a SOAP fault's <detail>, if it holds a vim fault. */
export function faultFromDetail(detail: XmlElement | undefined): { type: string; fields: VimObject } | undefined {
  const el = detail?.children[0];
  if (!el) return undefined;
  const t = xsiType(el)?.name ?? el.name.replace(/Fault$/, "");
  return { type: t, fields: decodeObject(el) };
}

/**
 * Converts a SoapFaultError from a vim call into its typed VimFault (others pass through).
 * Every string field is redacted of `secrets`: a peer may echo the password into a fault's
 * detail, and the fields show in JSON.stringify and util.inspect of the error, not only its message.
 */
export function toVimFault(err: unknown, operation: string, secrets: ReadonlyArray<string> = []): unknown {
  if (!(err instanceof SoapFaultError)) return err;
  const f = faultFromDetail(err.detail);
  if (!f) return err;
  return makeFault(f.type, redact(err.faultString, secrets), redactFields(f.fields, secrets), operation);
}

function redactFields<T extends VimValue>(v: T, secrets: ReadonlyArray<string>): T {
  if (secrets.length === 0) return v;
  if (typeof v === "string") return redact(v, secrets) as T;
  if (Array.isArray(v)) return v.map((x) => redactFields(x, secrets)) as T;
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactFields(x as VimValue, secrets)])) as T;
  return v;
}

/** A LocalizedMethodFault value (task `info.error`, lease `error`) as a typed error. */
export function fromLocalizedFault(v: VimValue | undefined, operation: string): VimFault {
  const lmf = (typeof v === "object" && v !== null && !Array.isArray(v) ? v : {}) as VimObject;
  const fault = (typeof lmf.fault === "object" && lmf.fault !== null && !Array.isArray(lmf.fault) ? lmf.fault : {}) as VimObject;
  const type = fault.$type ?? "VimFault";
  const msg = typeof lmf.localizedMessage === "string" ? lmf.localizedMessage : "";
  return makeFault(type, msg, fault, operation);
}
