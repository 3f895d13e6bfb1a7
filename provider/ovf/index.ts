/** OVF descriptors and manifests: read, check for an App Layering OS layer, hash. */
export * from "./model";
export * from "./errors";
export { OVF_NS } from "./namespaces";
export * from "./parse";
export { bytesPerUnit } from "./units";
export * from "./fileNames";
export * from "./validate";
export * from "./manifest";
export * from "./text";
export * from "./manifestProblems";
export { checkVmdk, isVmdkDisk, parseVmdkHeader, vmdkSubformat, VMDK_HEADER_BYTES, VMDK_TAIL_BYTES } from "./vmdk";
export type { VmdkExpectation, VmdkHeader, VmdkKind, VmdkProblemCode, VmdkReport, VmdkSource } from "./vmdk";
