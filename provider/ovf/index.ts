/** OVF descriptors and manifests: read, check for an App Layering OS layer, hash. */
export * from "./model";
export { OvfFormatError } from "./errors";
export { OVF_NS } from "./namespaces";
export { parseDescriptor } from "./parse";
export { bytesPerUnit } from "./units";
