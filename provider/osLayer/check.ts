import { CheckFailure, InputReader } from "../inputs";
import { checkPackaging } from "../packaging/check";
import type { OsLayerInputs } from "./types";

/** Characters Windows forbids in file names: the ELM names packaging disks after layer and version. */
const NAME_PATTERN: [RegExp, string] = [
  /^(?!\s)[^\\/:*?"<>|\x00-\x1f]+(?<!\s)$/,
  'must not contain \\ / : * ? " < > |, control characters, or spaces at either end (the ELM names disk files after it)',
];
/** The ELM stores layers as VHDs, whose largest size is 2040 GB. */
export const MAX_LAYER_SIZE_GB = 2040;

export function checkOsLayer(news: Record<string, unknown>): { inputs: OsLayerInputs; failures: CheckFailure[] } {
  const r = new InputReader(news, "OsLayer");
  const inputs: OsLayerInputs = {
    name: r.string("name", { required: true, max: 64, pattern: NAME_PATTERN })!,
    description: r.string("description", { max: 1024, trim: true, multiline: true }),
    icon: r.string("icon", { pattern: [/^\d+$/, "must be an ELM icon id (digits, e.g. \"196608\"); `applayering` lists none by name"] }),
    connector: r.string("connector", { required: true })!,
    fileShare: r.string("fileShare"),
    ovfPath: r.string("ovfPath", {
      pattern: [/\.ovf$/i, 'must be the path of a .ovf file on the share, e.g. "exports/win2022/win2022.ovf"'],
    }),
    vmMoref: r.string("vmMoref", { pattern: [/^vm-\d+$|^\d+$/, 'must be a VM managed object id such as "vm-42" (an OsMachine\'s moref)'] }),
    vmName: r.string("vmName"),
    version: r.string("version", { required: true, max: 64, pattern: NAME_PATTERN })!,
    versionDescription: r.string("versionDescription", { max: 1024, trim: true, multiline: true }),
    maxLayerSizeGb: r.number("maxLayerSizeGb", { default: 100, min: 1, max: MAX_LAYER_SIZE_GB, integer: true, unit: "GB" })!,
    comment: r.string("comment", { max: 1024, trim: true, multiline: true }),
    adoptExisting: r.boolean("adoptExisting", false),
    createTimeout: r.number("createTimeout", { default: 120, min: 0.01, unit: "minutes" })!,
    versionTimeout: r.number("versionTimeout", { default: 240, min: 0.01, unit: "minutes" })!,
    deleteTimeout: r.number("deleteTimeout", { default: 30, min: 0.01, unit: "minutes" })!,
    packaging: checkPackaging(news.packaging, r.failures),
  };
  const fromVm = r.has("vmMoref") || r.has("vmName");
  if (!r.has("ovfPath") && !fromVm) r.fail("ovfPath", "the layer needs a source: set ovfPath (an OvfExport's ovfSharePath) or machine (an OsMachine)");
  if (r.has("ovfPath") && fromVm) r.fail("vmMoref", "set only one source: ovfPath or the VM (vmMoref and vmName), not both");
  if (fromVm && !r.has("ovfPath") && !(r.has("vmMoref") && r.has("vmName"))) {
    r.fail(r.has("vmMoref") ? "vmName" : "vmMoref", "importing from a VM needs both vmMoref and vmName (pass an OsMachine as machine)");
  }
  if (inputs.ovfPath && !r.unknown("ovfPath") && /^(\\\\|\/\/|[a-z]:)/i.test(inputs.ovfPath)) {
    r.fail("ovfPath", "must be relative to the file share's root (e.g. \"exports/win2022/win2022.ovf\"), not a UNC or drive path");
  } else if (inputs.ovfPath && !r.unknown("ovfPath") && inputs.ovfPath.split(/[\\/]+/).includes("..")) {
    r.fail("ovfPath", 'must stay inside the file share: remove the ".." segments (e.g. "exports/win2022/win2022.ovf")');
  }
  // Drop absent optionals so state holds no nulls and diffs compare like with like.
  for (const k of Object.keys(inputs) as Array<keyof OsLayerInputs>) if (inputs[k] === undefined) delete inputs[k];
  return { inputs, failures: r.failures };
}
