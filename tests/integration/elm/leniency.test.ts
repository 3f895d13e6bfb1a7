/**
 * The simulator accepts requests shaped like the real clients': the PowerShell module (`s:`
 * prefix, xsi on Body, UNIDESK_TOKEN, cookie jar, extra elements) and the Packer plugin (`soap:`
 * prefix, xsi on Envelope, Unidesk_token only, typed Filter). Raw HTTP, no client code.
 */
import { child, parseEnvelope, path, XmlElement } from "../../../provider/soap";
import { ElmClient } from "../../../provider/elm";
import { ElmSim, startElmSim } from "../../../sim/elm";

const NS = `xmlns="http://www.unidesk.com/"`;
const XSI = `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"`;

const ps = (body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body ${XSI}>${body}</s:Body></s:Envelope>`;
const packer = (body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ${XSI}><soap:Body>${body}</soap:Body></soap:Envelope>`;

interface Raw {
  status: number;
  text: string;
  setCookie: string | null;
  result?: XmlElement;
}

async function post(sim: ElmSim, action: string, envelope: string, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(sim.url, { method: "POST", body: envelope, headers: { "Content-Type": "text/xml; charset=utf-8", SOAPAction: action, ...headers } });
  const text = await res.text();
  const op = action.replace(/"/g, "").split("/").pop()!;
  let result: XmlElement | undefined;
  try {
    result = path((await parseEnvelope(text)).payload, `${op}Result`);
  } catch {
    result = undefined;
  }
  return { status: res.status, text, setCookie: res.headers.get("set-cookie"), result };
}

const loginBody = (sim: ElmSim) =>
  `<Login ${NS}><command><UserName>${sim.user}</UserName><Password>${sim.password}</Password><Culture>en-US</Culture><RememberMe>false</RememberMe></command></Login>`;

describe("simulator leniency (requests as real clients send them)", () => {
  let sim: ElmSim;
  let layerId: number;
  beforeAll(async () => {
    sim = await startElmSim({ clockSpeed: 500, auth: "either" });
    layerId = sim.seedLayer({ name: "Win10 OS", versions: ["1.0", "2.0"] });
    // One finished ticket for the completed-list query (made with our client, not raw).
    const client = new ElmClient({ address: sim.url, user: sim.user, password: sim.password });
    const share = await client.findFileShare();
    const conn = await client.findConnectorConfig("vSphere");
    const r = await client.importOs({ layerName: "Done OS", versionName: "1", layerSizeMiB: 1024, fileShareId: share.id, connectorConfigId: conn.id, vm: { moref: "vm-1", name: "done" } });
    await client.waitForWorkTicket(r.workTicketId, { pollFirstMs: 20, pollMaxMs: 50 });
    await client.logout();
  });
  afterAll(() => sim.stop());

  it("PowerShell module: s: prefix, xsi on Body, UNIDESK_TOKEN + cookie, ResourceFarmId, xsi:nil, Finalize extras", async () => {
    const login = await post(sim, "http://www.unidesk.com/Login", ps(loginBody(sim)), { "Content-Type": "text/xml" });
    expect(login.status).toBe(200);
    const token = child(login.result, "Token")!.text;
    expect(token).toMatch(/\S{8,}/);
    const cookie = login.setCookie!.split(";")[0];
    const h = { UNIDESK_TOKEN: token, Cookie: cookie };

    const list = await post(sim, "http://www.unidesk.com/QueryOsLayers", ps(`<QueryOsLayers ${NS}><query><ResourceFarmId>0</ResourceFarmId><Filter></Filter></query></QueryOsLayers>`), h);
    expect(list.status).toBe(200);
    expect(path(list.result, "OsLayers", "LayerEntitySummary", "Name")?.text).toBe("Win10 OS");

    const details = await post(sim, "http://www.unidesk.com/QueryOsLayerDetails", ps(`<QueryOsLayerDetails ${NS}><query><Id>${layerId}</Id></query></QueryOsLayerDetails>`), h);
    const revs = child(details.result, "Revisions")!.children;
    expect(revs.map((r) => child(r, "DisplayedVersion")!.text)).toEqual(["1.0", "2.0"]);
    const baseId = child(revs[1], "Id")!.text;

    const shares = await post(sim, "http://www.unidesk.com/QueryRemoteFileShares", ps(`<QueryRemoteFileShares ${NS}><query/></QueryRemoteFileShares>`), h);
    const shareId = path(shares.result, "RemoteShares", "RemoteFileShareSummary", "Id")!.text;
    const conn = await post(sim, "http://www.unidesk.com/QueryPlatformConnectorConfig", ps(`<QueryPlatformConnectorConfig ${NS}><query><Features>Create</Features></query></QueryPlatformConnectorConfig>`), h);
    const connId = path(conn.result, "Configurations", "PlatformConnectorConfig", "Id")!.text;

    const create = await post(sim, "http://www.unidesk.com/CreateOsLayerRevision", ps(
      `<CreateOsLayerRevision ${NS}><command><RevisionInfo><Name>3.0</Name><Description>ps</Description><LayerSizeMiB>61440</LayerSizeMiB></RevisionInfo>` +
        `<LayerId>${layerId}</LayerId><SelectedFileShare>${shareId}</SelectedFileShare><PackagingDiskFilename>Win10 3.0</PackagingDiskFilename>` +
        `<PackagingDiskFormat>VmdkSparseDiskFormat</PackagingDiskFormat><PlatformConnectorConfigId>${connId}</PlatformConnectorConfigId>` +
        `<Reason><ReferenceNumber>0</ReferenceNumber></Reason><BaseLayerRevisionId>${baseId}</BaseLayerRevisionId>` +
        `<PlatformLayerRevisionId xsi:nil="true"/></command></CreateOsLayerRevision>`,
    ), h);
    expect(child(create.result, "Error")).toBeUndefined();
    const revId = Number(child(create.result, "RevisionId")!.text);
    expect(Number(child(create.result, "WorkTicketId")!.text)).toBeGreaterThan(0);

    await waitFor(() => sim.packagingMachines().length === 1);
    sim.shutdownPackagingMachine(revId);
    await waitFor(() => sim.revisions().find((r) => r.id === revId)?.state === "Finalizable");

    const disk = await post(sim, "http://www.unidesk.com/QueryLayerInstallDisk", ps(`<QueryLayerInstallDisk ${NS}><query><LayerId>${layerId}</LayerId></query></QueryLayerInstallDisk>`), h);
    const fin = await post(sim, "http://www.unidesk.com/FinalizeLayerRevision", ps(
      `<FinalizeLayerRevision ${NS}><command><SelectedFileShare>${shareId}</SelectedFileShare><LayerRevisionId>${revId}</LayerRevisionId>` +
        `<InstallDiskUncPath>${child(disk.result, "DiskUncPath")!.text}</InstallDiskUncPath><InstallDiskFilename>${child(disk.result, "DiskName")!.text}</InstallDiskFilename>` +
        `<ScriptPath></ScriptPath><Reason><ReferenceNumber>0</ReferenceNumber></Reason></command></FinalizeLayerRevision>`,
    ), h);
    expect(fin.status).toBe(200);
    expect(child(fin.result, "Error")).toBeUndefined();
    await waitFor(() => sim.revisions().find((r) => r.id === revId)?.state === "Deployable");

    const logout = await post(sim, "http://www.unidesk.com/Logout", ps(`<Logout ${NS}/>`), h);
    expect(logout.status).toBe(200);
  });

  it("Packer plugin: soap: prefix, xsi on Envelope, Unidesk_token only, typed Filter, quoted SOAPAction", async () => {
    const login = await post(sim, "http://www.unidesk.com/Login", packer(loginBody(sim)));
    const h = { Unidesk_token: child(login.result, "Token")!.text };
    const active = await post(sim, "http://www.unidesk.com/QueryWorkTicketsAsPendingOp", packer(
      `<QueryWorkTicketsAsPendingOp ${NS}><query><Filter xsi:type="WorkTicketsQueryByCompletedFilter"></Filter></query></QueryWorkTicketsAsPendingOp>`,
    ), h);
    expect(active.status).toBe(200);
    const tickets = path(active.result, "OperationResult", "WorkTickets")!.children;
    expect(tickets.length).toBeGreaterThanOrEqual(1);
    expect(tickets.map((t) => child(t, "State")!.text)).toEqual(tickets.map(() => "Complete"));
    expect(tickets.map((t) => path(t, "ResourceArgs", "string")!.text)).toContain("Done OS");

    const summary = await post(sim, `"http://www.unidesk.com/QueryPlatformConnectorConfigSummary"`, packer(
      `<QueryPlatformConnectorConfigSummary ${NS}><query/></QueryPlatformConnectorConfigSummary>`,
    ), h);
    expect(path(summary.result, "Configurations", "PlatformConnectorConfigSummary", "Name")?.text).toBe("vSphere");

    // Go omits empty values: a QueryOsLayers with no Filter at all lists everything; unknown elements are ignored.
    const all = await post(sim, "http://www.unidesk.com/QueryOsLayers", packer(`<QueryOsLayers ${NS}><query><Unknown>x</Unknown></query></QueryOsLayers>`), h);
    expect(child(all.result, "OsLayers")!.children.map((l) => child(l, "Name")!.text).sort()).toEqual(["Done OS", "Win10 OS"]);
  });

  it("answers ASMX-style faults for unknown actions, mismatched bodies and bad XML; session errors in the result", async () => {
    const unknown = await post(sim, "http://www.unidesk.com/Nope", packer(`<Nope ${NS}/>`));
    expect(unknown.status).toBe(500);
    expect(unknown.text).toContain("Server did not recognize the value of HTTP Header SOAPAction: http://www.unidesk.com/Nope.");
    const mismatch = await post(sim, "http://www.unidesk.com/QueryOsLayers", packer(`<QueryOsLayerDetails ${NS}/>`));
    expect(mismatch.status).toBe(500);
    const bad = await post(sim, "http://www.unidesk.com/QueryOsLayers", "<soap:Envelope");
    expect(bad.status).toBe(500);
    expect(bad.text).toContain("soap:Client");
    const noAuth = await post(sim, "http://www.unidesk.com/QueryOsLayers", packer(`<QueryOsLayers ${NS}><query/></QueryOsLayers>`), { UNIDESK_TOKEN: "forged" });
    expect(noAuth.status).toBe(200);
    expect(noAuth.text).toContain("InvalidSessionCategory");
  });
});

describe("simulator auth modes with raw requests", () => {
  it("cookie mode ignores a token alone; both mode needs both", async () => {
    for (const [auth, send, ok] of [
      ["cookie", "token", false], ["cookie", "cookie", true], ["token", "cookie", false], ["both", "token", false], ["both", "both", true],
    ] as const) {
      const sim = await startElmSim({ auth });
      try {
        const login = await post(sim, "http://www.unidesk.com/Login", packer(loginBody(sim)));
        const token = child(login.result, "Token")!.text;
        const cookie = login.setCookie!.split(";")[0];
        const h: Record<string, string> = {};
        if (send !== "cookie") h.UNIDESK_TOKEN = token;
        if (send !== "token") h.Cookie = cookie;
        const r = await post(sim, "http://www.unidesk.com/QueryLayerIcons", packer(`<QueryLayerIcons ${NS}><query/></QueryLayerIcons>`), h);
        expect([auth, send, child(r.result, "Error") === undefined]).toEqual([auth, send, ok]);
      } finally {
        await sim.stop();
      }
    }
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
