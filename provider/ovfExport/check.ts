import { CheckFailure, InputReader } from "../inputs";
import { readFields } from "../schema";
import { parseUnc } from "../share/paths";
import { OVF_EXPORT, UNC_PATTERN } from "./schema";
import type { OvfExportInputs } from "./types";

export function checkOvfExport(news: object): { inputs: OvfExportInputs; failures: CheckFailure[] } {
  const r = new InputReader(news, "OvfExport");
  const inputs = readFields<OvfExportInputs>(r, OVF_EXPORT);
  if (inputs.shareFolder && !r.unknown("shareFolder") && UNC_PATTERN[0].test(inputs.shareFolder)) {
    // The shape is right; what the share client would refuse later (a bad port, "..") is refused here.
    try {
      parseUnc(inputs.shareFolder);
    } catch (err) {
      r.fail("shareFolder", `${(err as Error).message}; give e.g. \\\\fileserver\\layers\\exports`);
    }
  }
  if (!r.has("vmMoref") && !r.has("vmInventoryPath")) {
    r.fail("vmMoref", "name the VM to export: pass an OsMachine (its moref) or set vmInventoryPath");
  }
  return { inputs, failures: r.failures };
}
