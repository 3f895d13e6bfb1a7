import { CheckFailure, InputReader } from "../inputs";
import type { OsLayerInputs } from "./types";

/** Characters Windows forbids in file names: the ELM names packaging disks after layer and version. */
const NAME_PATTERN: [RegExp, string] = [
  /^[^\\/:*?"<>|\x00-\x1f]+$/,
  'must not contain \\ / : * ? " < > | or control characters (the ELM names disk files after it)',
];
/** The ELM stores layers as VHDs, whose largest size is 2040 GB. */
export const MAX_LAYER_SIZE_GB = 2040;

export function checkOsLayer(news: Record<string, unknown>): { inputs: OsLayerInputs; failures: CheckFailure[] } {
  const r = new InputReader(news, "OsLayer");
  const inputs: OsLayerInputs = {
    name: r.string("name", { required: true, max: 64, pattern: NAME_PATTERN })!,
    description: r.string("description", { max: 1024 }),
    icon: r.string("icon"),
    connector: r.string("connector", { required: true })!,
    fileShare: r.string("fileShare"),
    ovfPath: r.string("ovfPath", {
      pattern: [/\.ovf$/i, 'must be the path of a .ovf file on the share, e.g. "exports/win2022/win2022.ovf"'],
    }),
    vmName: r.string("vmName"),
    version: r.string("version", { required: true, max: 64, pattern: NAME_PATTERN })!,
    versionDescription: r.string("versionDescription", { max: 1024 }),
    maxLayerSizeGb: r.number("maxLayerSizeGb", { default: 100, min: 1, max: MAX_LAYER_SIZE_GB, integer: true, unit: "GB" })!,
    comment: r.string("comment", { max: 1024 }),
    adoptExisting: r.boolean("adoptExisting", false),
    createTimeout: r.number("createTimeout", { default: 120, min: 1, unit: "minutes" })!,
    versionTimeout: r.number("versionTimeout", { default: 240, min: 1, unit: "minutes" })!,
    deleteTimeout: r.number("deleteTimeout", { default: 30, min: 1, unit: "minutes" })!,
  };
  const sources = [r.has("ovfPath"), r.has("vmName")].filter(Boolean).length;
  if (sources === 0) r.fail("ovfPath", "the layer needs a source: set ovfPath (an OvfExport's ovfSharePath) or vmName");
  if (sources === 2) r.fail("vmName", "set only one source: ovfPath or vmName, not both");
  if (inputs.ovfPath && !r.unknown("ovfPath") && /^(\\\\|\/\/|[a-z]:)/i.test(inputs.ovfPath)) {
    r.fail("ovfPath", "must be relative to the file share's root (e.g. \"exports/win2022/win2022.ovf\"), not a UNC or drive path");
  }
  // Drop absent optionals so state holds no nulls and diffs compare like with like.
  for (const k of Object.keys(inputs) as Array<keyof OsLayerInputs>) if (inputs[k] === undefined) delete inputs[k];
  return { inputs, failures: r.failures };
}
