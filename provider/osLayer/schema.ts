/**
 * The OsLayer's fields: what check() reads, what diff() replaces or updates, and what the SDK's
 * OsLayerArgs JSDoc says (tests/unit/resources/schemaDocs.test.ts holds the three together).
 */
import { DEFAULT_MAX_LAYER_SIZE_GB } from "../ovf/validate";
import type { Schema } from "../schema";
import type { OsLayerInputs } from "./types";

/** Characters Windows forbids in file names: the ELM names packaging disks after layer and version. */
const NAME_PATTERN: [RegExp, string] = [
  /^(?!\s)[^\\/:*?"<>|\x00-\x1f]+(?<!\s)$/,
  'must not contain \\ / : * ? " < > |, control characters, or spaces at either end (the ELM names disk files after it)',
];
/** The ELM stores layers as VHDs, whose largest size is 2040 GB. */
export const MAX_LAYER_SIZE_GB = 2040;
const MOREF: [RegExp, string] = [/^vm-\d+$|^\d+$/, 'must be a VM managed object id such as "vm-42" (an OsMachine\'s moref)'];

// The source of the first version is the layer: a different one is a different layer (the share
// only stages operations). Everything else is applied in place: EditLayer, a new version, or
// settings of later operations.
// packaging is an object, read by provider/packaging/check.ts and diffed beside the table.
export const OS_LAYER: Schema<Omit<OsLayerInputs, "packaging">> = {
  name: { type: "string", summary: "Layer name in the ELM.", change: "update", required: true, max: 64, pattern: NAME_PATTERN },
  description: { type: "string", summary: "Layer description", change: "update", max: 1024, trim: true, multiline: true },
  icon: {
    type: "string",
    summary: "Icon: an ELM icon id",
    change: "update",
    pattern: [/^\d+$/, 'must be an ELM icon id (digits, e.g. "196608"); `applayering` lists none by name'],
  },
  connector: { type: "string", summary: "Platform connector configuration, by name", change: "update", required: true },
  fileShare: { type: "string", summary: "The ELM's network file share, by its UNC path", change: "update" },
  ovfPath: {
    type: "string",
    summary: "Source of the first version: the `.ovf` on the ELM's file share",
    change: "replace",
    pattern: [/\.ovf$/i, 'must be the path of a .ovf file on the share, e.g. "exports/win2022/win2022.ovf"'],
  },
  vmMoref: { type: "string", summary: "Source of the first version: an OsMachine", change: "replace", pattern: MOREF, from: "machine" },
  vmName: { type: "string", summary: "Source of the first version: an OsMachine", change: "update", from: "machine" },
  version: { type: "string", summary: "The layer version this program wants", change: "update", required: true, max: 64, pattern: NAME_PATTERN },
  versionDescription: { type: "string", summary: "Description of that version.", change: "update", max: 1024, trim: true, multiline: true },
  maxLayerSizeGb: { type: "number", summary: "Max layer size in GB, thin provisioned.", change: "update", default: DEFAULT_MAX_LAYER_SIZE_GB, min: 1, max: MAX_LAYER_SIZE_GB, integer: true, unit: "GB" },
  comment: { type: "string", summary: "Comment recorded in the ELM's audit history", change: "update", max: 1024, trim: true, multiline: true },
  adoptExisting: { type: "boolean", summary: "Adopt an existing layer of the same name instead of failing.", change: "update", default: false },
  createTimeout: { type: "number", summary: "Minutes to wait for the import to become Deployable.", change: "update", default: 120, min: 0.01, unit: "minutes" },
  versionTimeout: {
    type: "number",
    summary: "Minutes to wait for a new version's packaging machine to be shut down and finalized.",
    change: "update",
    default: 240,
    min: 0.01,
    unit: "minutes",
  },
  deleteTimeout: {
    type: "number",
    summary: "Minutes to wait for the layer's deletion, and for versions deleted by `keepVersions`.",
    change: "update",
    default: 30,
    min: 0.01,
    unit: "minutes",
  },
  // Settings of the update's retention step (provider/osLayer/retention.ts): an update, never a new layer.
  keepVersions: { type: "number", summary: "How many Deployable versions to keep.", change: "update", min: 1, max: 1000, integer: true, unit: "versions" },
  updateImageTemplates: { type: "strings", summary: "Image templates, by name, to point at `version` once it is Deployable", change: "update", max: 1000 },
};
