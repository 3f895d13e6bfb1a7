import { CheckFailure, InputReader } from "../inputs";
import { readFields } from "../schema";
import { OS_LAYER } from "./schema";
import { checkPackaging } from "../packaging/check";
import type { OsLayerInputs } from "./types";

export { MAX_LAYER_SIZE_GB } from "./schema";

export function checkOsLayer(news: object): { inputs: OsLayerInputs; failures: CheckFailure[] } {
  const r = new InputReader(news, "OsLayer");
  const inputs = readFields<OsLayerInputs>(r, OS_LAYER);
  const packaging = checkPackaging((news as Record<string, unknown>).packaging, r.failures);
  if (packaging) inputs.packaging = packaging;
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
  return { inputs, failures: r.failures };
}
