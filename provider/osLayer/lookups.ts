/**
 * What only the ELM knows about an OsLayer's inputs, checked before any side effect and reported
 * against the input it concerns: the connector, the file share, the icon, the layer size the
 * connector allows, and an OVF the ELM refuses to import.
 */
import { ConnectorConfig, ElmClient, ElmError, FileShare, describeTicket } from "../elm";
import type { OsLayerInputs } from "./types";

/** Re-throws an ELM "not found" as a failure of the named input, with the ELM's list and fix. */
export async function asField<T>(field: keyof OsLayerInputs, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ElmError && err.isNotFound()) throw new Error(`OsLayer.${String(field)}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The connector by name, refusing a layer size outside what it can build. */
export async function connectorFor(elm: ElmClient, inputs: OsLayerInputs): Promise<ConnectorConfig> {
  const c = await asField("connector", elm.findConnectorConfig(inputs.connector));
  const min = c.minDiskSizeGb > 0 ? c.minDiskSizeGb : undefined;
  const max = c.maxDiskSizeGb > 0 ? c.maxDiskSizeGb : undefined;
  if ((min !== undefined && inputs.maxLayerSizeGb < min) || (max !== undefined && inputs.maxLayerSizeGb > max)) {
    throw new Error(
      `OsLayer.maxLayerSizeGb: ${inputs.maxLayerSizeGb} GB is outside what connector '${c.name}' allows (${min ?? 1} to ${max ?? "any"} GB): set maxLayerSizeGb within that range`,
    );
  }
  return c;
}

/** Refuses an icon id the ELM does not have (it would fail ImportOs or EditLayer half-way). */
export async function checkIcon(elm: ElmClient, inputs: OsLayerInputs): Promise<void> {
  if (inputs.icon === undefined) return;
  const icons = await elm.icons();
  if (!icons.includes(Number(inputs.icon))) {
    throw new Error(
      `OsLayer.icon: the ELM at ${elm.url} has no icon ${inputs.icon}: use one of ${icons.slice(0, 20).join(", ")}${icons.length > 20 ? ", …" : ""}, or leave icon unset for the default`,
    );
  }
}

/** An ImportOs refusal about the OVF (missing, unreadable, unfit) as a failure of ovfPath. */
export function ovfRefusal(inputs: OsLayerInputs, err: unknown): unknown {
  if (!inputs.ovfPath || !(err instanceof ElmError)) return err;
  if (!err.isNotFound() && !/Validation|InvalidArgument/i.test(`${err.id} ${err.category ?? ""}`)) return err;
  return new Error(`OsLayer.ovfPath: the ELM refused "${inputs.ovfPath}": ${err.message}; export it again (OvfExport) or point ovfPath at a valid export`);
}

/**
 * The ELM refuses an operation while another task runs on the layer (WorkTicketConflict, no
 * ticket given): say which task, and that the run can simply be repeated once it has ended.
 */
export async function busyLayer(elm: ElmClient, layerName: string, inputs: OsLayerInputs, err: unknown): Promise<unknown> {
  if (!(err instanceof ElmError) || !err.isConflict()) return err;
  const running = await elm.findActiveTicketsForLayer(layerName).catch(() => []);
  const what = running.map((t) => `task ${t.id} ${describeTicket(t)}, ${t.state}`).join("; ");
  return new Error(
    `OsLayer ${inputs.name}: another ELM task is running on layer '${layerName}'${what ? ` (${what})` : ""}, so the ELM refused ${err.operation}: ` +
      "wait for it to finish (or cancel it on the ELM's Tasks page), then run `pulumi up` again",
  );
}

/** The file share named by `fileShare` (its UNC path), or the ELM's only share. */
export async function resolveShare(elm: ElmClient, inputs: OsLayerInputs): Promise<FileShare> {
  if (inputs.fileShare !== undefined) return elm.findFileShare(inputs.fileShare);
  const all = await elm.fileShares();
  if (all.length === 1) return all[0];
  if (all.length === 0) return elm.findFileShare(); // throws the ELM-style "no file share" error
  throw new Error(`OsLayer.fileShare: the ELM has ${all.length} file shares (${all.map((s) => s.sharePath).join(", ")}): set fileShare to the UNC path of the one to use`);
}
