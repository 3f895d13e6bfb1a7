/** HTTPS: verified against the simulator's self-signed CA, refused without it, accepted only when told to be insecure. */
import { explain } from "../../../provider/errorHints";
import { ElmTransportError } from "../../../provider/elm";
import { Rig, startRig } from "./helpers";

describe("ELM over HTTPS", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ https: true });
  });
  afterAll(() => rig.stop());

  it("serves https on 127.0.0.1 with a PEM the client can trust", async () => {
    expect(rig.sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/Unidesk\.Web\/API\.asmx$/);
    expect(rig.sim.caCertPem).toContain("BEGIN CERTIFICATE");
    expect(await rig.client.icons()).toEqual([196608]);
  });

  it("verifies by default: without the CA the call fails and says what to do", async () => {
    const c = rig.newClient({ tls: undefined });
    const err = await c.icons().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ElmTransportError);
    // The client says what failed and what kind it is; errorHints names the settings.
    expect(err).toMatchObject({ kind: "tls", peer: "elm" });
    expect((err as Error).message).toContain("give the ELM's CA certificate");
    expect(explain(err as Error).message).toMatch(/applayering:elmCaCert.*applayering:elmInsecure/);
    expect((err as Error).message).not.toContain(rig.sim.password);
  });

  it("accepts the self-signed certificate only with the explicit insecure switch", async () => {
    const c = rig.newClient({ tls: { insecure: true } });
    expect(await c.icons()).toEqual([196608]);
  });
});
