import type * as pulumi from "@pulumi/pulumi";

/**
 * What each resource's module exports and the trampoline calls: the provider's operations typed
 * by the resource's inputs and outputs (configure is the trampoline's own).
 */
export type Reconciler<Inputs, Outputs> = Required<Omit<pulumi.dynamic.ResourceProvider<Inputs, Outputs>, "configure">>;
