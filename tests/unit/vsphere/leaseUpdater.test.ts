/** The lease keep-alive: reports the current percent every interval, one at a time, and stops on the first failure. */
import { parseXml, type XmlContent, type XmlElement } from "../../../provider/soap";
import { LeaseUpdater, keepAliveInterval, type MoRef, type ServiceContent } from "../../../provider/vsphere";

const lease: MoRef = { type: "HttpNfcLease", value: "lease-1" };
const ok = () => parseXml(`<HttpNfcLeaseProgressResponse xmlns="urn:vim25"/>`);

function host(answer: (n: number) => Promise<XmlElement>) {
  const sent: string[] = [];
  return {
    sent,
    serviceContent: {} as ServiceContent,
    invoke(method: string, _self: MoRef, params?: XmlContent): Promise<XmlElement> {
      sent.push(`${method} ${/<percent>(\d+)<\/percent>/.exec(String(params))?.[1]}`);
      return answer(sent.length);
    },
  };
}

describe("LeaseUpdater", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("sends the percent as it stands at each interval, and nothing after stop", async () => {
    const h = host(async () => ok());
    const u = new LeaseUpdater(h, lease, 1000, () => undefined).start();
    await jest.advanceTimersByTimeAsync(1000);
    u.percent = 42.7;
    await jest.advanceTimersByTimeAsync(1000);
    await u.stop();
    await jest.advanceTimersByTimeAsync(5000);
    expect(h.sent).toEqual(["HttpNfcLeaseProgress 0", "HttpNfcLeaseProgress 42"]);
  });

  it("keeps at most two reports in flight: a slow reply neither delays the next renewal nor piles them up", async () => {
    const pending: Array<() => void> = [];
    const h = host(() => new Promise<XmlElement>((r) => pending.push(() => r(ok()))));
    const u = new LeaseUpdater(h, lease, 100, () => undefined).start();
    await jest.advanceTimersByTimeAsync(550);
    expect(h.sent).toHaveLength(2);
    pending.shift()!();
    await jest.advanceTimersByTimeAsync(100);
    expect(h.sent).toHaveLength(3);
    const stopped = u.stop();
    pending.forEach((f) => f());
    await stopped;
  });

  it("the first failed report stops the updater and is handed on", async () => {
    const failure = new Error("lease expired");
    const seen: unknown[] = [];
    const h = host(async () => {
      throw failure;
    });
    const u = new LeaseUpdater(h, lease, 100, (e) => seen.push(e)).start();
    await jest.advanceTimersByTimeAsync(1000);
    expect(h.sent).toHaveLength(1);
    expect(seen).toEqual([failure]);
    expect(u.error).toBe(failure);
  });

  it("renews at a quarter of the lease timeout, within 250 ms and 60 s", () => {
    expect(keepAliveInterval(300)).toBe(60_000);
    expect(keepAliveInterval(100)).toBe(25_000);
    expect(keepAliveInterval(0.1)).toBe(250);
  });
});
