/** Shared set-up for the ELM client ↔ simulator tests. */
import { ElmClient, ElmClientOptions, WaitTicketOptions } from "../../../provider/elm";
import { ElmSim, ElmSimOptions, startElmSim } from "../../../sim/elm";

/** Fast polling for a simulator whose clock runs hundreds of times faster than real time. */
export const FAST: WaitTicketOptions = { pollFirstMs: 20, pollMaxMs: 60, timeoutMs: 15_000 };

export interface Rig {
  sim: ElmSim;
  client: ElmClient;
  /** A new client for the same simulator (caller closes it). */
  newClient(over?: Partial<ElmClientOptions>): ElmClient;
  stop(): Promise<void>;
}

export async function startRig(opts: ElmSimOptions = {}): Promise<Rig> {
  const sim = await startElmSim({ clockSpeed: 500, ...opts });
  const clients: ElmClient[] = [];
  const newClient = (over: Partial<ElmClientOptions> = {}) => {
    const c = new ElmClient({ address: sim.url, user: sim.user, password: sim.password, tls: sim.caCertPem ? { ca: sim.caCertPem } : undefined, ...over });
    clients.push(c);
    return c;
  };
  const client = newClient();
  return {
    sim,
    client,
    newClient,
    async stop() {
      for (const c of clients) c.session.close();
      await sim.stop();
    },
  };
}

/** Imports a layer from a VM and waits until it is Deployable; returns ids. */
export async function importLayer(rig: Rig, layerName: string, versionName = "1.0") {
  const { client } = rig;
  const share = await client.findFileShare();
  const connector = await client.findConnectorConfig("vSphere");
  const r = await client.importOs({
    layerName,
    versionName,
    layerSizeMiB: 61440,
    fileShareId: share.id,
    connectorConfigId: connector.id,
    vm: { moref: "vm-42", name: "gold-win2022" },
    comment: `test:${layerName}`,
  });
  await client.waitForWorkTicket(r.workTicketId, FAST);
  return { layerId: r.layer.id, share, connector, ticketId: r.workTicketId };
}
