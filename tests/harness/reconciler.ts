/**
 * A reconciler module as the engine sees it: property bags in, property bags out. The modules are
 * typed by their inputs and outputs (ResourceProvider<Inputs, Outputs>); the engine, and the tests
 * that play it, send whatever state and programs hold, which is the point of many tests.
 */
import type { Reconciler as Typed } from "../../provider/reconciler";

type Props = Record<string, unknown>;

/** What every reconciler module exports (the trampoline's view of it); ours always return inputs and outputs. */
export interface Reconciler {
  check(olds: Props, news: Props): Promise<{ inputs: Props; failures?: Array<{ property: string; reason: string }> }>;
  diff(id: string, olds: Props, news: Props): Promise<{ changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }>;
  create(inputs: Props): Promise<{ id: string; outs: Props }>;
  update(id: string, olds: Props, news: Props): Promise<{ outs: Props }>;
  read(id: string, props: Props): Promise<{ id?: string; props?: Props }>;
  delete(id: string, props: Props): Promise<void>;
}

/** The typed module, called the way the engine calls it (the one place that forgets the types). */
export function engineView<I, O>(module: Typed<I, O>): Reconciler {
  return module as Reconciler;
}
