/**
 * The simulator binds requests as the real ELM's XmlSerializer does: a member binds only from an
 * element in the service namespace (any prefix); one in no namespace or another namespace binds
 * nothing and reads as its default, like a missing one; unknown elements are skipped. The
 * mistakes go raw over HTTP, so a client regression in namespaces cannot pass unnoticed.
 */
import { child, children, parseEnvelope, path, XmlElement } from "../../../provider/soap";
import { ElmClient } from "../../../provider/elm";
import { ElmSim, startElmSim } from "../../../sim/elm";
import { FAST } from "./helpers";

const ELM = "http://www.unidesk.com/";
const envelope = (body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" ` +
  `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>${body}</soap:Body></soap:Envelope>`;

interface Raw {
  status: number;
  text: string;
  result?: XmlElement;
}

async function post(sim: ElmSim, op: string, body: string, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(sim.url, { method: "POST", body: envelope(body), headers: { "Content-Type": "text/xml; charset=utf-8", SOAPAction: `${ELM}${op}`, ...headers } });
  const text = await res.text();
  let result: XmlElement | undefined;
  try {
    result = path((await parseEnvelope(text)).payload, `${op}Result`);
  } catch {
    result = undefined;
  }
  return { status: res.status, text, result };
}

const names = (e: XmlElement | undefined) => (e?.children ?? []).map((c) => c.name);

describe("simulator binds requests as .NET's XmlSerializer does", () => {
  let sim: ElmSim;
  let layerId: number;
  let auth: Record<string, string>;
  const details = (query: string) => post(sim, "QueryOsLayerDetails", `<QueryOsLayerDetails xmlns="${ELM}">${query}</QueryOsLayerDetails>`, auth);
  const login = (command: string) => post(sim, "Login", `<Login xmlns="${ELM}"><command>${command}</command></Login>`);

  beforeAll(async () => {
    sim = await startElmSim({ clockSpeed: 500, auth: "token" });
    layerId = sim.seedLayer({ name: "Strict OS", versions: ["1.0"] });
    const r = await login(`<UserName>${sim.user}</UserName><Password>${sim.password}</Password><Culture>en-US</Culture><RememberMe>false</RememberMe>`);
    auth = { UNIDESK_TOKEN: child(r.result, "Token")!.text };
  });
  afterAll(() => sim.stop());

  it("binds a member in the service namespace, whatever its prefix, and skips unknown elements", async () => {
    const plain = await details(`<query><Id>${layerId}</Id></query>`);
    expect(path(plain.result, "LayerSummary", "Name")?.text).toBe("Strict OS");
    const prefixed = await details(`<u:query xmlns:u="${ELM}"><u:Id>${layerId}</u:Id></u:query>`);
    expect(path(prefixed.result, "LayerSummary", "Name")?.text).toBe("Strict OS");
    const extra = await details(`<query><ResourceFarmId>7</ResourceFarmId><Unknown><Id>1</Id></Unknown><Id>${layerId}</Id></query>`);
    expect(path(extra.result, "LayerSummary", "Id")?.text).toBe(String(layerId));
  });

  it("an Id in no namespace, in a wrong namespace, under an unbound wrapper or missing reads as 0", async () => {
    for (const query of [
      `<query><Id xmlns="">${layerId}</Id></query>`,
      `<query><o:Id xmlns:o="urn:other">${layerId}</o:Id></query>`,
      `<query xmlns=""><Id>${layerId}</Id></query>`,
      `<query/>`,
      ``,
    ]) {
      const r = await details(query);
      expect({ query, status: r.status, item: path(r.result, "Error", "CategoryData", "Item")?.text }).toEqual({ query, status: 200, item: "0" });
      // The reply's value-type members, as a .NET server writes them beside an Error.
      expect(names(r.result)).toEqual(["Error", "CreationDate", "NumberOfAppLayersUsing", "NumberOfPlatformLayersUsing"]);
      expect(child(r.result, "CreationDate")?.text).toBe("0001-01-01T00:00:00");
    }
  });

  it("Login: a UserName or Password outside the service namespace binds nothing; the refusal carries UserId and Rights", async () => {
    const good = `<Password>${sim.password}</Password>`;
    for (const command of [`<UserName xmlns="">${sim.user}</UserName>${good}`, `<UserName>${sim.user}</UserName><Password xmlns="urn:x">${sim.password}</Password>`]) {
      const r = await login(command);
      expect(r.status).toBe(200);
      expect(child(r.result, "Token")).toBeUndefined();
      expect(names(r.result)).toEqual(["Error", "UserId", "Rights"]);
      expect([child(r.result, "UserId")?.text, child(r.result, "Rights")?.text]).toEqual(["0", "0"]);
    }
    const ok = await login(`<UserName>${sim.user}</UserName>${good}`);
    expect(child(ok.result, "Token")?.text).toMatch(/\S{8,}/);
  });

  it("an invalid session still gets the result's value-type members (IsAuthenticated, ticket queries)", async () => {
    const bad = { UNIDESK_TOKEN: "not-a-session" };
    const isAuth = await post(sim, "IsAuthenticated", `<IsAuthenticated xmlns="${ELM}"/>`, bad);
    expect(names(isAuth.result)).toEqual(["Error", "UserId", "Rights"]);
    const pending = await post(sim, "QueryWorkTicketsAsPendingOp", `<QueryWorkTicketsAsPendingOp xmlns="${ELM}"><query/></QueryWorkTicketsAsPendingOp>`, bad);
    expect(names(pending.result)).toEqual(["Error", "Id", "Running"]);
    const activity = await post(sim, "QueryActivity", `<QueryActivity xmlns="${ELM}"><query/></QueryActivity>`, bad);
    expect(names(activity.result)).toEqual(["Error", "NextCallContext"]);
  });

  it("a by-id Filter whose id list is in no namespace selects nothing; an xsi:type outside the service namespace is a client fault", async () => {
    const client = new ElmClient({ address: sim.url, user: sim.user, password: sim.password });
    const share = await client.findFileShare();
    const conn = await client.findConnectorConfig("vSphere");
    const imp = await client.importOs({ layerName: "Ticket OS", versionName: "1", layerSizeMiB: 1024, fileShareId: share.id, connectorConfigId: conn.id, vm: { moref: "vm-1", name: "t" } });
    const byId = (ids: string) =>
      post(sim, "QueryWorkTicketsAsPendingOp", `<QueryWorkTicketsAsPendingOp xmlns="${ELM}"><query><Filter xsi:type="WorkTicketsQueryByIdFilter">${ids}</Filter></query></QueryWorkTicketsAsPendingOp>`, auth);
    const tickets = (r: Raw) => children(path(r.result, "OperationResult", "WorkTickets"), "WorkTicketResult").map((t) => child(t, "Id")!.text);
    expect(tickets(await byId(`<WorkTicketIds><long>${imp.workTicketId}</long></WorkTicketIds>`))).toEqual([String(imp.workTicketId)]);
    expect(tickets(await byId(`<WorkTicketIds xmlns=""><long>${imp.workTicketId}</long></WorkTicketIds>`))).toEqual([]);
    expect(tickets(await byId(`<WorkTicketIds><long xmlns="">${imp.workTicketId}</long></WorkTicketIds>`))).toEqual([]);

    const foreign = await post(sim, "QueryWorkTicketsAsPendingOp",
      `<QueryWorkTicketsAsPendingOp xmlns="${ELM}"><query><Filter xmlns:o="urn:other" xsi:type="o:WorkTicketsQueryByActiveFilter"/></query></QueryWorkTicketsAsPendingOp>`, auth);
    expect(foreign.status).toBe(500);
    expect(foreign.text).toContain("soap:Client");
    expect(foreign.text).toContain("The specified type was not recognized");

    // The client's own requests bind: its ticket is found and followed to the end.
    const done = await client.waitForWorkTicket(imp.workTicketId, FAST);
    expect(done.state).toBe("Complete");
    await client.logout();
  });

  it("EditLayer with the Name in no namespace binds an empty name and is refused", async () => {
    const r = await post(sim, "EditLayer", `<EditLayer xmlns="${ELM}"><command><Id>${layerId}</Id><Name xmlns="">Renamed</Name></command></EditLayer>`, auth);
    expect(path(r.result, "Error", "Message")?.text).toBe("The layer name is required.");
  });

  it("work items name members of the WSDL's EntityType enum", async () => {
    const client = new ElmClient({ address: sim.url, user: sim.user, password: sim.password });
    const details = await client.osLayerDetails(layerId);
    const share = await client.findFileShare();
    const conn = await client.findConnectorConfig("vSphere");
    const created = await client.createOsLayerRevision({
      layerId, versionName: "2.0", layerSizeMiB: 1024, fileShareId: share.id, packagingDiskFilename: "p", packagingDiskFormat: conn.validDiskFormats[0],
      connectorConfigId: conn.id, baseRevisionId: details.revisions[0].id,
    });
    const waiting = await client.waitForWorkTicket(created.workTicketId, { ...FAST, until: ["ActionRequired"] });
    const all = [...(await client.workTickets("active")), ...(await client.workTickets("completed")), waiting];
    const types = new Set(all.flatMap((t) => t.workItems.map((w) => w.itemType)));
    // A subset of EntityType in citrix/packer-plugin-citrix elm-client/elm_client.go.
    const entityTypes = new Set(["Unknown", "Layer", "LayerRevision", "OsLayer", "OsLayerRevision", "AppLayer", "AppLayerRevision", "InstallMachine", "ManagedMachine", "Image", "PlatformLayer", "PlatformLayerRevision", "WorkItem"]);
    expect([...types].filter((t) => !entityTypes.has(t))).toEqual([]);
    expect(types.has("InstallMachine")).toBe(true);
    await client.logout();
  });
});
