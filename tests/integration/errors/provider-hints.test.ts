/**
 * Through the provider's session glue (withVim, withElm, withShare) against the real peers, a
 * refused login or an untrusted certificate still tells the user which settings to fix — the
 * wording comes from errorHints, the clients only say what happened — and never the password.
 */
import { withElm } from "../../../provider/osLayer/elm";
import { withShare } from "../../../provider/ovfExport/share";
import { withVim } from "../../../provider/vim";
import { sessions } from "../../../provider/sessions";
import { ElmSim, startElmSim } from "../../../sim/elm";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { startVcsim, type Vcsim } from "../../../sim/vcsim/launch";
import { withEnv } from "../sessions/helpers";

let vc: Vcsim;
let elm: ElmSim;
let smbd: SmbdInstance;
const WRONG = "Wr0ng-Secret-42";

beforeAll(async () => {
  [vc, elm, smbd] = await Promise.all([startVcsim({ vms: 1 }), startElmSim({ https: true }), startSmbd()]);
});
afterAll(async () => {
  await sessions.closeAll();
  await Promise.all([vc?.stop(), elm?.stop(), smbd?.stop()]);
});

const failure = (p: Promise<unknown>) => p.then(() => new Error("no error"), (e: Error) => e);

it("a wrong vCenter password names vsphere:user / vsphere:password", async () => {
  const restore = withEnv({ VSPHERE_SERVER: vc.url, VSPHERE_USER: vc.user, VSPHERE_PASSWORD: WRONG, APPLAYERING_VSPHERE_CA_CERT: vc.caCertPath });
  try {
    const err = await failure(withVim(async () => undefined));
    expect(err).toMatchObject({ kind: "auth", peer: "vsphere" });
    expect(err.message).toMatch(/InvalidLogin.*vsphere:user \/ vsphere:password \(VSPHERE_USER \/ VSPHERE_PASSWORD\)/);
    expect(err.message + err.stack).not.toContain(WRONG);
  } finally {
    restore();
  }
});

it("an ELM whose certificate is not trusted names applayering:elmCaCert and applayering:elmInsecure", async () => {
  const restore = withEnv({ APPLAYERING_ELM_ADDRESS: elm.url, APPLAYERING_ELM_USER: elm.user, APPLAYERING_ELM_PASSWORD: elm.password });
  try {
    const err = await failure(withElm((c) => c.icons()));
    expect(err).toMatchObject({ kind: "tls", peer: "elm" });
    expect(err.message).toMatch(/applayering:elmCaCert \(APPLAYERING_ELM_CA_CERT\).*applayering:elmInsecure/);
  } finally {
    restore();
  }
});

it("a wrong ELM password names applayering:elmUser / applayering:elmPassword", async () => {
  const restore = withEnv({ APPLAYERING_ELM_ADDRESS: elm.url, APPLAYERING_ELM_USER: elm.user, APPLAYERING_ELM_PASSWORD: WRONG, APPLAYERING_ELM_CA_CERT: elm.caCertPem! });
  try {
    const err = await failure(withElm((c) => c.icons()));
    expect(err).toMatchObject({ kind: "auth", peer: "elm" });
    expect(err.message).toMatch(/check the ELM user 'administrator' and its password; check applayering:elmUser \/ applayering:elmPassword/);
    expect(err.message + err.stack).not.toContain(WRONG);
  } finally {
    restore();
  }
});

it("a refused share logon names the share settings", async () => {
  const restore = withEnv({ APPLAYERING_SHARE_USER: smbd.user, APPLAYERING_SHARE_PASSWORD: WRONG });
  try {
    const err = await failure(withShare(`\\\\${smbd.host}:${smbd.port}\\${smbd.share}`, async () => undefined));
    expect(err).toMatchObject({ kind: "auth", peer: "share" });
    expect(err.message).toMatch(/refused the logon of "layers".*; check applayering:shareUser, applayering:sharePassword and applayering:shareDomain/);
    expect(err.message + err.stack).not.toContain(WRONG);
  } finally {
    restore();
  }
});
