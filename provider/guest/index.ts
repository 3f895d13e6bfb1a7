/** Guest steps run through VMware Tools with results kept in the guest (see runner.ts). */
export * from "./step";
export * from "./runner";
