/** vim25 SOAP client for vCenter: session, property collector, inventory, tasks, VMs, OVF export. */
export * from "./types";
export * from "./decode";
export * from "./faults";
export * from "./session";
export * from "./properties";
export * from "./inventory";
export * from "./tasks";
export * from "./updates";
export * from "./wire";
export * from "./spec";
export * from "./vmread";
export * from "./vm";
export * from "./lease";
export * from "./leaseUpdater";
export * from "./export";
export * from "./transfer";
