/** The one ELM poll setting: its name, its older name, its check, and what it scales. */
import { ConfigError, elmPollMaxMs, setHostConfig } from "../../../provider/config";
import { elmPollPolicy } from "../../../provider/elm";

describe("applayering:elmPollMaxMs", () => {
  afterEach(() => setHostConfig(undefined));

  it("is read from the stack configuration, else APPLAYERING_ELM_POLL_MAX_MS, else the older APPLAYERING_POLL_INTERVAL_MS", () => {
    expect(elmPollMaxMs({})).toBeUndefined();
    expect(elmPollMaxMs({ APPLAYERING_POLL_INTERVAL_MS: "25" })).toBe(25);
    expect(elmPollMaxMs({ APPLAYERING_ELM_POLL_MAX_MS: "40", APPLAYERING_POLL_INTERVAL_MS: "25" })).toBe(40);
    setHostConfig({ get: (k) => (k === "applayering:elmPollMaxMs" ? "5000" : undefined) });
    expect(elmPollMaxMs({ APPLAYERING_ELM_POLL_MAX_MS: "40" })).toBe(5000);
  });

  it("refuses what is not a number of milliseconds, naming the setting it came from", () => {
    expect(() => elmPollMaxMs({ APPLAYERING_ELM_POLL_MAX_MS: "30s" })).toThrow(ConfigError);
    expect(() => elmPollMaxMs({ APPLAYERING_ELM_POLL_MAX_MS: "0" })).toThrow(/applayering:elmPollMaxMs \(APPLAYERING_ELM_POLL_MAX_MS\) must be a number of milliseconds/);
    expect(() => elmPollMaxMs({ APPLAYERING_POLL_INTERVAL_MS: "-5" })).toThrow(/APPLAYERING_POLL_INTERVAL_MS must be/);
  });

  it("by default: 1 s after a change, growing by half to 30 s, at most 10 polls a minute", () => {
    expect(elmPollPolicy()).toEqual({ backoff: { initialMs: 1000, maxMs: 30_000, factor: 1.5 }, budget: { polls: 10, perMs: 60_000 } });
    expect(elmPollPolicy({ pollMaxMs: 300 })).toEqual({ backoff: { initialMs: 10, maxMs: 300, factor: 1.5 }, budget: { polls: 10, perMs: 600 } });
  });
});
