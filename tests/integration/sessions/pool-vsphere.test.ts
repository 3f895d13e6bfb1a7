/** The pooled vCenter session: one Login for parallel calls, idle logout, re-login after TerminateSession. */
import * as fs from "fs";
import { el } from "../../../provider/soap";
import { VimClient, retrieveProperties } from "../../../provider/vsphere";
import { withVim } from "../../../provider/vim";
import { sessions } from "../../../provider/sessions";
import { startVcsim, type Vcsim } from "../../../sim/vcsim/launch";
import { eventually, withEnv } from "./helpers";

let sim: Vcsim;
let admin: VimClient;
let restore: () => void;

/** Sessions vcsim holds, read from its SessionManager (the sim's own count). */
async function liveSessions(): Promise<string[]> {
  const oc = await retrieveProperties(admin, admin.serviceContent.sessionManager, ["sessionList"]);
  const list = (oc.props.sessionList ?? []) as Array<Record<string, unknown>>;
  return (Array.isArray(list) ? list : [list]).map((s) => String(s.key));
}

beforeAll(async () => {
  sim = await startVcsim({ vms: 1 });
  admin = await VimClient.connect({ url: sim.url, user: sim.user, password: sim.password, tls: { ca: fs.readFileSync(sim.caCertPath) } });
  restore = withEnv({
    VSPHERE_SERVER: sim.url,
    VSPHERE_USER: sim.user,
    VSPHERE_PASSWORD: sim.password,
    APPLAYERING_VSPHERE_CA_CERT: sim.caCertPath,
    APPLAYERING_SESSION_IDLE_SECONDS: "60",
  });
});
afterAll(async () => {
  await sessions.closeAll();
  restore?.();
  await admin?.logout();
  await sim?.stop();
});

describe("pooled vSphere session", () => {
  it("serves 8 parallel calls with one Login, and later calls with the same session", async () => {
    const before = await liveSessions();
    const keys = await Promise.all(Array.from({ length: 8 }, () => withVim((vim) => vim.sessionKey())));
    const after = await liveSessions();
    expect(after.length - before.length).toBe(1);
    expect(new Set(keys).size).toBe(1);
    expect(after).toContain(keys[0]);
    expect(await withVim((vim) => vim.sessionKey())).toBe(keys[0]);
  });

  it("logs in once more, for all parallel callers, after vCenter terminated the session", async () => {
    const [key, logins] = await withVim(async (vim) => [await vim.sessionKey(), vim.loginCount] as const);
    await admin.invoke("TerminateSession", admin.serviceContent.sessionManager, el("sessionId", key!));
    expect(await liveSessions()).not.toContain(key);
    const seen = await Promise.all(Array.from({ length: 6 }, () => withVim(async (vim) => ({ key: await vim.sessionKey(), logins: vim.loginCount }))));
    expect(new Set(seen.map((s) => s.key)).size).toBe(1);
    expect(seen[0].key).not.toBe(key);
    expect(Math.max(...seen.map((s) => s.logins))).toBe(logins + 1);
  });

  it("logs out once idle, never while a call holds the session", async () => {
    await sessions.closeAll();
    process.env.APPLAYERING_SESSION_IDLE_SECONDS = "0.2";
    const baseline = (await liveSessions()).length;
    let release!: () => void;
    const held = withVim(async (vim) => {
      await new Promise<void>((r) => (release = r));
      return vim.sessionKey();
    });
    await eventually(async () => (await liveSessions()).length === baseline + 1);
    // Idle time passes while the call holds its lease: the session stays.
    await new Promise((r) => setTimeout(r, 400));
    expect((await liveSessions()).length).toBe(baseline + 1);
    release();
    const key = await held;
    expect(key).toBeTruthy();
    await eventually(async () => !(await liveSessions()).includes(key!));
    expect(sessions.size).toBe(0);
  });
});
