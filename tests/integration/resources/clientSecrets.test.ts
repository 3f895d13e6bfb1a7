/**
 * Logging or serializing a logged-in client (what a debugging user or a crash reporter would do)
 * never shows a password, token, session cookie or key.
 */
import { inspect } from "node:util";
import { ElmClient } from "../../../provider/elm";
import { VimClient } from "../../../provider/vsphere";
import { openShare } from "../../../provider/share";
import { startElmSim, ElmSim } from "../../../sim/elm";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { startVcsim, Vcsim } from "../../../sim/vcsim/launch";

let elm: ElmSim;
let smb: SmbdInstance;
let vc: Vcsim;

beforeAll(async () => {
  [elm, smb, vc] = await Promise.all([startElmSim(), startSmbd(), startVcsim({ vms: 0 })]);
});
afterAll(async () => {
  await Promise.all([elm?.stop(), smb?.stop(), vc?.stop()]);
});

function views(o: object): string {
  return `${inspect(o, { depth: 10, showHidden: true })}\n${JSON.stringify(o)}`;
}

it("an ELM client shows no password, token or cookie", async () => {
  const client = new ElmClient({ address: elm.url, user: elm.user, password: "s3cr3t-Elm&<pw>" });
  await expect(client.login()).rejects.toThrow(); // wrong password: still nothing in the views
  const ok = new ElmClient({ address: elm.url, user: elm.user, password: elm.password });
  await ok.login();
  const text = views(ok);
  expect(text).not.toContain(elm.password);
  expect(views(client)).not.toContain("s3cr3t-Elm");
  expect(text).toContain(elm.url);
  await ok.logout();
});

it("a vSphere client shows no password or session cookie", async () => {
  const client = await VimClient.connect({ url: vc.url, user: vc.user, password: vc.password, tls: { thumbprint: vc.thumbprint } });
  const cookie = client.cookieHeader() ?? "";
  expect(cookie).toMatch(/vmware_soap_session/);
  const text = views(client);
  expect(text).not.toContain(vc.password);
  expect(text).not.toContain(cookie.split("=")[1]);
  await client.logout();
  client.close();
});

it("an SMB share shows no password or session keys", async () => {
  const share = await openShare(smb.unc, { user: smb.user, password: smb.password });
  const text = views(share);
  expect(text).not.toContain(smb.password);
  expect(text).toContain(share.location);
  await share.close();
});
