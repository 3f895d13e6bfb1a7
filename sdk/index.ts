/** pulumi-applayering: Citrix App Layering OS layers as Pulumi resources. */
export { OsLayer } from "./osLayer";
export type { OsLayerArgs, OsLayerVersion } from "./osLayer";
