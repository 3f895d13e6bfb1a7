/** Login, token + cookie, transparent re-login, logout, auth modes; secrets never in messages. */
import { ElmClient, ElmLoginError, ElmTransportError } from "../../../provider/elm";
import { Rig, startRig } from "./helpers";

// A CR and a TAB too: an XML parser turns a literal CR into LF, so they must travel as references.
const NASTY = `p&<>"'w0rd;\r\t`;

describe("ELM session", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ password: NASTY });
  });
  afterAll(() => rig.stop());

  it("logs in with a password holding & < > \" ' CR TAB (XML-escaped) and calls with token and cookie", async () => {
    const c = rig.newClient();
    expect(await c.osLayers()).toEqual([]);
    expect(c.session.loggedIn).toBe(true);
    expect(rig.sim.requestCounts().Login).toBeGreaterThanOrEqual(1);
  });

  it("reports bad credentials as ElmLoginError naming the user, never the password", async () => {
    const wrong = `${NASTY}-wrong`;
    const c = rig.newClient({ password: wrong });
    const err = await c.osLayers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ElmLoginError);
    const msg = String((err as Error).message) + String((err as Error).stack);
    expect(msg).toContain("administrator");
    expect(msg).toContain("password is incorrect");
    expect(msg).not.toContain(wrong);
    expect(msg).not.toContain("p&amp;");
    expect(c.session.loggedIn).toBe(false);
  });

  it("asks which appliance it is once per login when told the login holds: concurrent and later asks share the answer, a re-login asks again", async () => {
    const c = rig.newClient();
    await c.osLayers();
    rig.sim.resetRequestCounts();
    const [a, b] = await Promise.all([c.applianceDetailsOfThisLogin(), c.applianceDetailsOfThisLogin()]);
    expect(await c.applianceDetailsOfThisLogin()).toEqual(a);
    expect(b).toEqual(a);
    expect(rig.sim.requestCounts().QueryManagementApplianceDetailsWithParam).toBe(1);
    rig.sim.inject({ expireSessions: true });
    await c.osLayers(); // the expired session is found out here: a re-login
    await c.applianceDetailsOfThisLogin();
    expect(rig.sim.requestCounts().QueryManagementApplianceDetailsWithParam).toBe(2);
    // The uncached ask always asks.
    await c.applianceDetails();
    expect(rig.sim.requestCounts().QueryManagementApplianceDetailsWithParam).toBe(3);
  });

  it("logs in again, once, when the ELM reports an expired session", async () => {
    const c = rig.newClient();
    await c.osLayers();
    const before = c.session.loginCount;
    rig.sim.inject({ expireSessions: true });
    expect(await c.osLayers()).toEqual([]);
    expect(c.session.loginCount).toBe(before + 1);
  });

  it("logs out (the ELM forgets the session) and logs in again on the next call", async () => {
    const c = rig.newClient();
    await c.fileShares();
    const live = rig.sim.sessionCount();
    await c.logout();
    expect(rig.sim.sessionCount()).toBe(live - 1);
    expect(c.session.loggedIn).toBe(false);
    expect((await c.fileShares()).length).toBe(1);
    await c.logout();
  });

  it("fails clearly when the address is not an ELM", async () => {
    const c = new ElmClient({ address: "http://127.0.0.1:1/", user: "u", password: NASTY });
    const err = await c.osLayers().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ElmTransportError);
    expect((err as Error).message).toContain("http://127.0.0.1:1/Unidesk.Web/API.asmx");
    expect((err as Error).message).not.toContain(NASTY);
    c.session.close();
  });
});

describe("ELM session idle timeout", () => {
  it("logs in again after the ELM timed the idle session out", async () => {
    const rig = await startRig({ sessionIdleMs: 100 });
    try {
      await rig.client.icons();
      await new Promise((r) => setTimeout(r, 250));
      expect(await rig.client.icons()).toEqual([196608]);
      expect(rig.client.session.loginCount).toBe(2);
    } finally {
      await rig.stop();
    }
  });
});

describe.each(["token", "cookie", "both", "either"] as const)("auth mode %s", (auth) => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ auth });
  });
  afterAll(() => rig.stop());

  it("is satisfied by the client (token header and cookie on every call)", async () => {
    expect(await rig.client.icons()).toEqual([196608]);
    expect(await rig.client.osLayers()).toEqual([]);
    expect(rig.sim.requestCounts().Login).toBe(1);
  });
});
