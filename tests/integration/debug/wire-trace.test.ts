/**
 * The wire trace (APPLAYERING_DEBUG) against the real peers — vcsim, the ELM simulator, smbd:
 * SOAP requests and replies and SMB commands appear as lines; no password, token, session cookie,
 * signing key or NTLM message ever does.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SoapTransport, fields } from "../../../provider/soap";
import { ElmClient, elmApiUrl, requestEnvelope, soapAction } from "../../../provider/elm";
import { withElm } from "../../../provider/osLayer/elm";
import { withShare } from "../../../provider/ovfExport/share";
import { withVim } from "../../../provider/vim";
import { sessions } from "../../../provider/sessions";
import { listObjects } from "../../../provider/vsphere";
import { SmbShare } from "../../../provider/share";
import { ElmSim, startElmSim } from "../../../sim/elm";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { startVcsim, type Vcsim } from "../../../sim/vcsim/launch";
import { withEnv } from "../sessions/helpers";

let vc: Vcsim;
let elm: ElmSim;
let smbd: SmbdInstance;
let dir: string;
let file: string;
let restore: () => void;
/** Every value that must never be traced, gathered while the operations run. */
const secrets: Array<{ what: string; value: string }> = [];

const ELM_PASSWORD = "Elm-Pa55&<word>";

beforeAll(async () => {
  [vc, elm, smbd] = await Promise.all([startVcsim({ vms: 1 }), startElmSim({ clockSpeed: 500, password: ELM_PASSWORD }), startSmbd()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "trace-"));
  file = path.join(dir, "wire.log");
  restore = withEnv({
    APPLAYERING_DEBUG: file,
    VSPHERE_SERVER: vc.url,
    VSPHERE_USER: vc.user,
    VSPHERE_PASSWORD: vc.password,
    APPLAYERING_VSPHERE_CA_CERT: vc.caCertPath,
    APPLAYERING_ELM_ADDRESS: elm.url,
    APPLAYERING_ELM_USER: elm.user,
    APPLAYERING_ELM_PASSWORD: ELM_PASSWORD,
    APPLAYERING_SHARE_USER: smbd.user,
    APPLAYERING_SHARE_PASSWORD: smbd.password,
    APPLAYERING_SHARE_DOMAIN: smbd.domain,
  });
  secrets.push({ what: "vCenter password", value: vc.password }, { what: "ELM password", value: ELM_PASSWORD }, { what: "share password", value: smbd.password });
});
afterAll(async () => {
  await sessions.closeAll();
  restore?.();
  await Promise.all([vc?.stop(), elm?.stop(), smbd?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

function traceText(): string {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
}

/** Each secret in the forms a wire may carry it: raw, XML-escaped, URL-encoded, hex, base64. */
function forms(v: string): string[] {
  const b = Buffer.from(v);
  return [v, v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"), encodeURIComponent(v), b.toString("hex"), b.toString("base64")];
}

describe("wire trace", () => {
  it("traces vim25 calls, ELM calls and SMB commands, and never a secret", async () => {
    await withVim(async (vim) => {
      expect((await listObjects(vim, "VirtualMachine", ["name"])).length).toBeGreaterThan(0);
      const cookie = vim.cookieHeader()!.split("=").slice(1).join("=").replace(/^"|"$/g, "");
      secrets.push({ what: "vmware_soap_session", value: cookie });
    });
    await withElm(async (client: ElmClient) => {
      await client.icons();
      await client.osLayers();
      // The client's own session values, read for the assertion only.
      secrets.push({ what: "ELM token", value: client.session["token"] as string });
      secrets.push({ what: "ELM cookie", value: (client.session["transport"] as SoapTransport).cookies.header()!.split("=")[1] });
    });
    await withShare(`\\\\${smbd.host}:${smbd.port}\\${smbd.share}\\traced`, async (share) => {
      await share!.writeFile("a.txt", Buffer.from("hello"));
      expect((await share!.readFile("a.txt")).toString()).toBe("hello");
      expect((await share!.list("")).map((e) => e.name)).toContain("a.txt");
      const conn = (share as SmbShare).client["conn"] as { session?: { signingKey?: Buffer; encryptionKey?: Buffer; decryptionKey?: Buffer } };
      for (const k of ["signingKey", "encryptionKey", "decryptionKey"] as const) {
        const key = conn.session?.[k];
        if (key) secrets.push({ what: `SMB ${k}`, value: key.toString("latin1") });
      }
      expect(conn.session?.signingKey).toBeDefined();
    }, { create: true });

    const text = traceText();
    // Lines appear, one per request and reply, with what a reader needs.
    expect(text).toMatch(/applayering vim25 > RetrieveServiceContent POST \/sdk/);
    expect(text).toMatch(/applayering vim25 < Login 200 in \d+ ms/);
    expect(text).toMatch(/applayering vim25 < RetrievePropertiesEx 200 in \d+ ms .*VirtualMachine/);
    expect(text).toMatch(/applayering elm > Login POST \/Unidesk\.Web\/API\.asmx/);
    expect(text).toMatch(/applayering elm < QueryLayerIcons 200 in \d+ ms/);
    expect(text).toMatch(/applayering smb > SESSION_SETUP mid=\d+/);
    expect(text).toMatch(/applayering smb < TREE_CONNECT STATUS_SUCCESS mid=\d+ tree=0x[0-9a-f]+/);
    expect(text).toMatch(/applayering smb > CREATE .*path="traced\\.*a\.txt/);
    expect(text).toMatch(/applayering smb < CREATE STATUS_SUCCESS .* file=[0-9a-f]+:[0-9a-f]+/);
    expect(text).toMatch(/applayering smb > WRITE .*file=[0-9a-f]+:[0-9a-f]+ offset=0 length=5/);
    expect(text).toMatch(/applayering smb < CREATE STATUS_OBJECT_NAME_NOT_FOUND/);
    // Secret elements are shown as redacted, by name.
    expect(text).toMatch(/<password>\*\*\*/);
    expect(text).toMatch(/<(\w+:)?Password>\*\*\*/);
    expect(text).toMatch(/Cookie: \*\*\*/);
    // …and no secret in any form.
    expect(secrets.length).toBe(9);
    for (const s of secrets) {
      expect(s.value.length).toBeGreaterThan(7);
      for (const f of forms(s.value)) if (text.includes(f)) throw new Error(`the trace shows the ${s.what}`);
    }
    // No NTLM message (NTLMSSP\0 in raw, hex or base64) is dumped.
    for (const f of forms("NTLMSSP\0")) expect(text).not.toContain(f);
  });

  it("redacts by element and header name even when the client knows no secret to look for", async () => {
    // A bare transport with no secrets(): only the names protect the password and the token.
    const t = new SoapTransport({ url: elmApiUrl(elm.url), peer: "elm" });
    const login = fields([["UserName", elm.user], ["Password", ELM_PASSWORD], ["Culture", "en-US"], ["RememberMe", false]]);
    const reply = await t.call(soapAction("Login"), requestEnvelope("Login", "command", login));
    const token = JSON.stringify(reply.payload).match(/"Token".*?"text":"([^"]+)"/)?.[1];
    expect(token).toBeTruthy();
    t.close();
    const text = traceText();
    const mine = text.split("\n").filter((l) => l.includes("applayering elm") && l.includes("Login"));
    expect(mine.length).toBeGreaterThanOrEqual(2);
    for (const f of [...forms(ELM_PASSWORD), token!]) expect(text).not.toContain(f);
    expect(mine.join("\n")).toMatch(/<(\w+:)?Token>\*\*\*/);
  });

  it("goes to stderr with APPLAYERING_DEBUG=1", async () => {
    const elmModule = path.resolve(__dirname, "../../../dist/provider/osLayer/elm.js");
    const child = spawn(process.execPath, ["-e", `require(${JSON.stringify(elmModule)}).withElm((e) => e.icons())`], {
      env: { ...process.env, APPLAYERING_DEBUG: "1" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(0);
    expect(stderr).toMatch(/applayering elm > QueryLayerIcons POST/);
    expect(stderr).toMatch(/applayering elm < Logout 200/);
    for (const f of forms(ELM_PASSWORD)) expect(stderr).not.toContain(f);
  });
});
