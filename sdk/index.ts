/** pulumi-applayering: Citrix App Layering OS layers as Pulumi resources. */
export { OsMachine } from "./osMachine";
export type { OsMachineArgs, OsMachinePrepare, OsMachinePrepareStep } from "./osMachine";
export { OvfExport } from "./ovfExport";
export type { OvfExportArgs, OvfExportFile } from "./ovfExport";
export { OsLayer } from "./osLayer";
export type { OsLayerArgs, OsLayerPackaging, OsLayerVersion } from "./osLayer";
