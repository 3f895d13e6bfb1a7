/**
 * Issue 18: a long ELM ticket costs at most 12 requests per ticket-minute, however often its status
 * changes. Time is scaled: the simulator's clock runs fast and the wait's cap (pollMaxMs, 30 s in the
 * field) is small, so a "minute" is two caps. Every request's time is taken as it leaves the client;
 * timers fire late, never early, so load on the machine can only thin the windows out.
 */
import { DEFAULT_POLL_MAX_MS, type ElmSession } from "../../../provider/elm";
import { Rig, startRig } from "./helpers";

const CAP_MS = 100;
/** A ticket-minute at this cap: 60 s is two caps of 30 s. */
const MINUTE_MS = (60_000 * CAP_MS) / DEFAULT_POLL_MAX_MS;

describe("ELM poll cap on a long ticket", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ clockSpeed: 8 }); // the delete below: 1 + 5 simulated s, its status changing every 0.5 s (62 ms)
  });
  afterAll(() => rig.stop());

  /** Times of the session's requests from now on. */
  function recordCalls(session: ElmSession): number[] {
    const times: number[] = [];
    const call = session.call.bind(session);
    session.call = ((...args: Parameters<typeof call>) => {
      times.push(Date.now());
      return call(...args);
    }) as typeof session.call;
    return times;
  }

  it("sends at most 12 requests in any ticket-minute while the status keeps changing, and follows every change", async () => {
    const { client, sim } = rig;
    const layerId = sim.seedLayer({ name: "Long Ticket OS", versions: ["1.0", "2.0"] });
    const details = await client.osLayerDetails(layerId);
    const share = await client.findFileShare();
    const del = await client.deleteOsLayerRevisions({ layerId, revisionIds: [details.revisions[1].id], fileShareId: share.id });
    const times = recordCalls(client.session);
    sim.resetRequestCounts();
    const statuses: string[] = [];
    const done = await client.waitForWorkTicket(del.workTicketId, { pollMaxMs: CAP_MS, timeoutMs: 60_000, onChange: (t) => statuses.push(t.status) });
    expect(done.state).toBe("Complete");
    const counts = sim.requestCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(times.length); // every request went through the recorder
    const span = times[times.length - 1] - times[0];
    expect(span).toBeGreaterThan(2 * MINUTE_MS); // a long ticket: several ticket-minutes
    for (const t of times) expect(times.filter((u) => u >= t && u < t + MINUTE_MS).length).toBeLessThanOrEqual(12);
    // the status changed several times (progress in tens of percent), and the wait saw each stage
    expect(new Set(statuses).size).toBeGreaterThanOrEqual(4);
  });
});
