/** vSphere guest operations (VMware Tools): account check, programs, processes, files. */
export * from "./errors";
export * from "./client";
export * from "./files";
export * from "./ready";
