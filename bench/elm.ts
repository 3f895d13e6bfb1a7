/**
 * elm: how hard we poll the ELM. (1) Requests per minute of a long work ticket, its status changing
 * every 12.5 s, while our client waits on it with the product's default policy (provider/elm/polling.ts).
 * Goal: at most 12. (2) Requests for a refresh (Read through the dynamic-provider host, as
 * `pulumi refresh` drives it) of N layers. Goal: at most N+1.
 */
import { ElmClient, revisionByVersion } from "../provider/elm";
import * as osLayerModule from "../provider/osLayer";
import { outputsOf } from "../provider/osLayer/state";
import type { OsLayerInputs } from "../provider/osLayer/types";
import { plain } from "../provider/wire";
import { trampoline } from "../sdk/trampoline";
import { DynamicProviderHost, makeUrn, PROVIDER_KEY, serializeProvider } from "../tests/harness";
import type { PropertyMap } from "../tests/harness";
import { startElmSim } from "../sim/elm";
import { timed } from "./measure";
import { BenchResult } from "./results";
import { repoRoot } from "./stack";
import { engineView } from "../tests/harness/reconciler";

const osLayer = engineView(osLayerModule);

const N = 10;
/** DeleteOsLayerRevisions runs 6 simulated seconds (1 pending, 5 in ten progress steps): at 0.04, 2.5 real minutes. */
const TICKET_CLOCK = 0.04;
/** Issue 18: what a long ticket may cost. */
const MAX_PER_TICKET_MINUTE = 12;

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function breakdown(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

export async function elmBench(): Promise<BenchResult> {
  const sim = await startElmSim({ https: true, clockSpeed: TICKET_CLOCK, connectors: [{ name: "vSphere" }] });
  const notes: string[] = [];
  try {
    const ca = sim.caCertPem;
    // (1) a long ticket, waited on with the defaults (1 s after a change, growing by half to 30 s, at most 10 polls a minute).
    const layerId = sim.seedLayer({ name: "long-ticket", versions: ["1.0"] });
    const elm = new ElmClient({ address: sim.url, user: sim.user, password: sim.password, tls: { ca } });
    await elm.login();
    const details = await elm.osLayerDetails(layerId);
    const [share] = await elm.fileShares();
    const del = await elm.deleteOsLayerRevisions({ layerId, revisionIds: details.revisions.map((r) => r.id), fileShareId: share.id });
    sim.resetRequestCounts();
    let changes = 0;
    const wait = await timed(() => elm.waitForWorkTicket(del.workTicketId, { timeoutMs: 10 * 60_000, onChange: () => void changes++ }));
    const waitCounts = sim.requestCounts();
    await elm.logout();
    const perMinute = total(waitCounts) / (wait.seconds / 60);
    notes.push(`ticket wait (${wait.seconds.toFixed(1)} s, ${changes} states seen): ${breakdown(waitCounts)}.`);

    // (2) refresh of N layers: Read of each through one host, as the engine refreshes a stack.
    sim.setClockSpeed(1000);
    const config = {
      "applayering:elmAddress": sim.url,
      "applayering:elmUser": sim.user,
      "applayering:elmPassword": sim.password,
      "applayering:elmCaCert": sim.caCertPath ?? "",
    };
    const host = await DynamicProviderHost.start({ cwd: repoRoot, project: "applayering-bench", stack: "bench", config });
    let refreshCalls: number;
    try {
      await host.configure();
      const provider = (await serializeProvider(trampoline("osLayer"))).text;
      const type = "pulumi-nodejs:dynamic/applayering:OsLayer";
      // State as create records it at its end (provider/osLayer/index.ts): outputsOf the layer's
      // details (its GUID as layerGuid) and the appliance's identity, asked by a client of its own
      // before the count starts.
      const seeder = new ElmClient({ address: sim.url, user: sim.user, password: sim.password, tls: { ca } });
      await seeder.login();
      const appliance = await seeder.applianceDetails();
      const layers = await Promise.all(
        Array.from({ length: N }, async (_, i) => {
          const id = sim.seedLayer({ name: `refresh-${i}`, versions: ["1.0"] });
          const inputs = (await osLayer.check({}, { name: `refresh-${i}`, connector: "vSphere", ovfPath: "exports/x/x.ovf", version: "1.0" })).inputs as unknown as OsLayerInputs;
          const details = await seeder.osLayerDetails(id);
          const outs = outputsOf(inputs, details, revisionByVersion(details, inputs.version), undefined, { appliance, progress: { stage: "", updates: [] } });
          return { id: String(id), name: `refresh-${i}`, props: { ...(plain(outs) as unknown as PropertyMap), [PROVIDER_KEY]: provider } as PropertyMap };
        }),
      );
      await seeder.logout();
      sim.resetRequestCounts();
      for (const l of layers) {
        const ref = { urn: makeUrn(host.stack, host.project, type, l.name), name: l.name, type };
        const r = await host.read(ref, l.id, l.props, l.props);
        if (r.id !== l.id) throw new Error(`refresh of ${l.name} lost the layer`);
      }
      const counts = sim.requestCounts();
      refreshCalls = total(counts);
      notes.push(`refresh of ${N} layers: ${breakdown(counts)}.`);
    } finally {
      await host.close();
    }
    return {
      bench: "elm",
      figures: [
        { name: "elm.ticket_wait_seconds", value: wait.seconds, unit: "s" },
        { name: "elm.requests_per_ticket_minute", value: perMinute },
        { name: "elm.refresh_layers", value: N },
        { name: "elm.refresh_calls", value: refreshCalls },
      ],
      ratio: { name: "elm.refresh_calls_over_n_plus_1", value: refreshCalls / (N + 1) },
      goal: `at most ${MAX_PER_TICKET_MINUTE} requests per ticket-minute on a long ticket, and a refresh of N layers in at most N+1 ELM calls (ratio <= 1), N = ${N}`,
      met: refreshCalls <= N + 1 && perMinute <= MAX_PER_TICKET_MINUTE,
      goals: [
        { figure: "elm.requests_per_ticket_minute", goal: `<= ${MAX_PER_TICKET_MINUTE}`, met: perMinute <= MAX_PER_TICKET_MINUTE },
        { figure: "elm.refresh_calls", goal: `<= N+1 = ${N + 1} (Login included, and the appliance's identity wherever it is asked)`, met: refreshCalls <= N + 1 },
      ],
      notes: [
        ...notes,
        `Ticket: DeleteOsLayerRevisions on a seeded layer (6 simulated s at clock ${TICKET_CLOCK}, so 2.5 real minutes, its status changing every 12.5 s), waited on by ElmClient.waitForWorkTicket with its default policy; every request the simulator received during the wait is counted, over the wait's real duration.`,
        "Refresh: OsLayer Read RPCs, one per layer, through one dynamic-provider host, of state as create records it (layerGuid, elmUniqueId, elmVersion); every request the ELM simulator received is counted (Login and Logout included).",
      ],
    };
  } finally {
    await sim.stop();
  }
}
