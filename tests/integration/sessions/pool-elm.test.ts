/**
 * The pooled ELM session: one Login for parallel calls, one re-login after the ELM expired the
 * session, idle logout, and logout when the host process exits (drained loop, or SIGTERM).
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { withElm } from "../../../provider/osLayer/elm";
import { sessions } from "../../../provider/sessions";
import { ElmSim, startElmSim } from "../../../sim/elm";
import { eventually, withEnv } from "./helpers";

let sim: ElmSim;
let restore: () => void;
const logins = () => sim.requestCounts().Login ?? 0;
const logouts = () => sim.requestCounts().Logout ?? 0;

beforeAll(async () => {
  sim = await startElmSim({ clockSpeed: 500 });
  restore = withEnv({
    APPLAYERING_ELM_ADDRESS: sim.url,
    APPLAYERING_ELM_USER: sim.user,
    APPLAYERING_ELM_PASSWORD: sim.password,
    APPLAYERING_SESSION_IDLE_SECONDS: "60",
  });
});
afterAll(async () => {
  await sessions.closeAll();
  restore?.();
  await sim?.stop();
});

describe("pooled ELM session", () => {
  it("serves 8 parallel calls with one Login", async () => {
    const before = logins();
    const icons = await Promise.all(Array.from({ length: 8 }, () => withElm((elm) => elm.icons())));
    expect(icons.every((i) => i.includes(196608))).toBe(true);
    expect(logins() - before).toBe(1);
    expect(sim.sessionCount()).toBe(1);
    await withElm((elm) => elm.icons());
    expect(logins() - before).toBe(1);
  });

  it("logs in once more, for all parallel callers, after the ELM expired every session", async () => {
    await withElm((elm) => elm.icons());
    const before = logins();
    sim.inject({ expireSessions: true });
    await Promise.all(Array.from({ length: 6 }, () => withElm((elm) => elm.osLayers())));
    expect(logins() - before).toBe(1);
    expect(sim.sessionCount()).toBe(1);
  });

  it("logs out once idle", async () => {
    await sessions.closeAll();
    expect(sim.sessionCount()).toBe(0);
    process.env.APPLAYERING_SESSION_IDLE_SECONDS = "0.1";
    try {
      const out = logouts();
      await withElm((elm) => elm.icons());
      expect(sim.sessionCount()).toBe(1);
      await eventually(() => sim.sessionCount() === 0);
      expect(logouts()).toBe(out + 1);
      expect(sessions.size).toBe(0);
    } finally {
      process.env.APPLAYERING_SESSION_IDLE_SECONDS = "60";
    }
  });
});

describe("ELM session at host exit", () => {
  // The built provider, as the dynamic-provider host loads it (npm test builds dist first).
  const elmModule = path.resolve(__dirname, "../../../dist/provider/osLayer/elm.js");

  function host(script: string): { done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; ready: Promise<void>; kill: () => void } {
    const child = spawn(process.execPath, ["-e", script], { env: { ...process.env, APPLAYERING_SESSION_IDLE_SECONDS: "600" }, stdio: ["ignore", "pipe", "inherit"] });
    const ready = new Promise<void>((r) => child.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && r()));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on("exit", (code, signal) => r({ code, signal })));
    return { done, ready, kill: () => child.kill("SIGTERM") };
  }

  it("logs out when the host's work is done and its loop drains, without waiting for the idle time", async () => {
    await sessions.closeAll();
    const out = logouts();
    const h = host(`require(${JSON.stringify(elmModule)}).withElm((e) => e.icons()).then(() => console.log("ready"))`);
    await h.ready;
    const { code } = await h.done;
    expect(code).toBe(0);
    expect(logouts()).toBe(out + 1);
    expect(sim.sessionCount()).toBe(0);
  });

  it("logs out on SIGTERM, then ends as SIGTERM would", async () => {
    const out = logouts();
    const h = host(`require(${JSON.stringify(elmModule)}).withElm((e) => e.icons().then(() => { console.log("ready"); return new Promise(() => setInterval(() => {}, 1000)); }))`);
    await h.ready;
    expect(sim.sessionCount()).toBe(1);
    h.kill();
    const { signal } = await h.done;
    expect(signal).toBe("SIGTERM");
    expect(logouts()).toBe(out + 1);
    expect(sim.sessionCount()).toBe(0);
  });
});
