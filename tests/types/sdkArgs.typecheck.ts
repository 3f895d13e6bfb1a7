/**
 * Compile-time only (tsc checks it in `npm test`; it has no runtime): each SDK Args property,
 * once its pulumi.Input is unwrapped, is exactly the type of the provider input of that name, the
 * arguments that are no input are the ones the SDK turns into inputs, and the arguments a program
 * must give are the inputs with neither a default nor a value the SDK supplies.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { OsLayerArgs, OsMachineArgs, OvfExportArgs } from "../../sdk";
import type { OsLayerInputs } from "../../provider/osLayer/types";
import type { OsMachineInputs } from "../../provider/osMachine/types";
import type { OvfExportInputs } from "../../provider/ovfExport/types";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Expect<T extends true> = T;

/** What the provider receives for an argument: the Input unwrapped, unset aside. */
type Received<A, K extends keyof A> = Exclude<pulumi.Unwrap<A[K]>, undefined>;
/** Arguments whose unwrapped type differs from the input of the same name. */
type Mismatched<A, I> = { [K in keyof A & keyof I]-?: Same<Received<A, K>, Exclude<I[K], undefined>> extends true ? never : K }[keyof A & keyof I];
/** Arguments that are no input of the provider. */
type NotInputs<A, I> = Exclude<keyof A, keyof I>;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

// prepare: the SDK's form has optionals that check() defaults; what check() makes of it is again a valid argument.
export type OsMachineAgrees = Expect<Same<Mismatched<OsMachineArgs, OsMachineInputs>, "prepare">>;
export type OsMachinePrepareRefines = Expect<NonNullable<OsMachineInputs["prepare"]> extends Received<OsMachineArgs, "prepare"> ? true : false>;
export type OsMachineNoExtra = Expect<Same<NotInputs<OsMachineArgs, OsMachineInputs>, never>>;
// name: the resource's logical name when unset.
export type OsMachineRequired = Expect<Same<RequiredKeys<OsMachineArgs>, "datacenter">>;

// packaging: the args are the form a program writes (all optional, windowsUpdate may be true); check() fills the defaults.
export type OsLayerAgrees = Expect<Same<Mismatched<Omit<OsLayerArgs, "packaging">, OsLayerInputs>, never>>;
export type OsLayerNoExtra = Expect<Same<NotInputs<OsLayerArgs, OsLayerInputs>, "machine">>;
export type OsLayerRequired = Expect<Same<RequiredKeys<OsLayerArgs>, "connector" | "version">>;
// The machine becomes vmMoref and vmName.
type LayerMachine = NonNullable<OsLayerArgs["machine"]>;
export type OsLayerMachine = Expect<Same<pulumi.Unwrap<LayerMachine["moref"]> | pulumi.Unwrap<LayerMachine["name"]>, NonNullable<OsLayerInputs["vmMoref"] | OsLayerInputs["vmName"]>>>;

export type OvfExportAgrees = Expect<Same<Mismatched<OvfExportArgs, OvfExportInputs>, never>>;
export type OvfExportNoExtra = Expect<Same<NotInputs<OvfExportArgs, OvfExportInputs>, "machine">>;
export type OvfExportRequired = Expect<Same<RequiredKeys<OvfExportArgs>, "shareFolder">>;
// The machine becomes vmMoref, vmChangeVersion and vmSnapshotId.
type ExportMachine = NonNullable<OvfExportArgs["machine"]>;
export type OvfExportMachine = Expect<
  Same<
    pulumi.Unwrap<ExportMachine["moref"]> | pulumi.Unwrap<ExportMachine["changeVersion"]> | pulumi.Unwrap<ExportMachine["snapshotId"]>,
    NonNullable<OvfExportInputs["vmMoref"] | OvfExportInputs["vmChangeVersion"] | OvfExportInputs["vmSnapshotId"]>
  >
>;

// The checks can fail: an argument of another type, or one the provider does not know, is refused.
// @ts-expect-error cpus as a string is not the provider's number
export type CatchesMismatch = Expect<Same<Mismatched<{ cpus?: pulumi.Input<string> }, OsMachineInputs>, never>>;
// @ts-expect-error an argument the provider has no input for
export type CatchesExtra = Expect<Same<NotInputs<{ cores?: pulumi.Input<number> }, OsMachineInputs>, never>>;
