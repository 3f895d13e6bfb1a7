/** Request envelopes as the reference (§2, §5) shapes them, built by the client's operation functions. */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  ElmSession,
  cancelWorkTickets,
  createOsLayerRevision,
  deleteOsLayerRevisions,
  editLayer,
  finalizeLayerRevision,
  importOs,
  queryOsLayers,
  queryWorkTickets,
  requestEnvelope,
  vspherePlatformData,
} from "../../../provider/elm";
import { NS, XmlContent, XmlElement, child, parseEnvelope, xsiType } from "../../../provider/soap";

interface Captured {
  op: string;
  wrapper: string | null;
  body: XmlElement;
}

/** A stand-in session that records what the operation functions send and answers with `reply`. */
function recorder(reply: (op: string) => string = () => "<WorkTicketId>7</WorkTicketId><RevisionId>9</RevisionId>") {
  const calls: Captured[] = [];
  const session = {
    url: "http://elm.test/Unidesk.Web/API.asmx",
    async call(op: string, wrapper: "command" | "query" | "cmd" | null, content?: XmlContent) {
      const env = await parseEnvelope(requestEnvelope(op, wrapper, content));
      calls.push({ op, wrapper, body: env.payload! });
      const parsed = await parseEnvelope(`<soap:Envelope xmlns:soap="${NS.soapEnv}"><soap:Body><R xmlns="http://www.unidesk.com/">${reply(op)}</R></soap:Body></soap:Envelope>`);
      return parsed.payload!;
    },
  };
  return { session: session as unknown as ElmSession, calls };
}

const names = (e: XmlElement | undefined) => (e?.children ?? []).map((c) => c.name);
const inner = (c: Captured) => (c.wrapper ? child(c.body, c.wrapper)! : c.body);

describe("ELM request envelopes", () => {
  it("put the operation in the service namespace with its wrapper", async () => {
    const { session, calls } = recorder(() => "<OsLayers/>");
    await queryOsLayers(session, "Win 11");
    expect(calls[0].body).toMatchObject({ name: "QueryOsLayers", ns: "http://www.unidesk.com/" });
    expect(child(inner(calls[0]), "Filter")).toMatchObject({ ns: "http://www.unidesk.com/", text: "Win 11" });
  });

  it("ImportOs from a VM: WSDL order, PlatformData JSON as PS builds it, default icon, Reason last", async () => {
    const { session, calls } = recorder();
    await importOs(session, {
      layerName: "Win <OS> & co", versionName: "1.0", layerSizeMiB: 61440, fileShareId: 98304, connectorConfigId: "7",
      vm: { moref: "vm-4321", name: "gold-win11" }, comment: "tf:1",
    });
    const cmd = inner(calls[0]);
    expect(names(cmd)).toEqual(["SelectedFileShare", "PlatformConnectorConfigId", "PlatformAuditInfo", "PlatformData", "LayerInfo", "RevisionInfo", "Reason"]);
    expect(JSON.parse(child(cmd, "PlatformData")!.text)).toEqual({ VmId: { attributes: { type: "VirtualMachine" }, $value: "vm-4321" }, VmName: "gold-win11" });
    expect(child(cmd, "PlatformData")!.text).toBe(vspherePlatformData({ moref: "vm-4321", name: "gold-win11" }));
    expect(names(child(cmd, "LayerInfo"))).toEqual(["Name", "Description", "IconId"]);
    expect(child(child(cmd, "LayerInfo"), "Name")!.text).toBe("Win <OS> & co");
    expect(child(child(cmd, "LayerInfo"), "IconId")!.text).toBe("196608");
    expect(names(child(cmd, "RevisionInfo"))).toEqual(["Name", "Description", "LayerSizeMiB"]);
    expect(names(child(cmd, "Reason"))).toEqual(["Description", "ReferenceNumber"]);
  });

  it("ImportOs from the share: DiskFilename instead of PlatformData, SourceVolumeSize before RevisionInfo", async () => {
    const { session, calls } = recorder();
    await importOs(session, { layerName: "L", versionName: "1", layerSizeMiB: 1024, fileShareId: 1, diskFilename: "os/a.ovf", sourceVolumeSize: 42 });
    expect(names(inner(calls[0]))).toEqual(["SelectedFileShare", "DiskFilename", "PlatformAuditInfo", "LayerInfo", "SourceVolumeSize", "RevisionInfo", "Reason"]);
  });

  it("CreateOsLayerRevision: explicit base, nil platform layer, WSDL order", async () => {
    const { session, calls } = recorder();
    const r = await createOsLayerRevision(session, {
      layerId: 753664, versionName: "2024.06", layerSizeMiB: 61440, fileShareId: 98304, packagingDiskFilename: "Win11 OS 2024.06",
      packagingDiskFormat: "VmdkSparseDiskFormat", connectorConfigId: "7", baseRevisionId: 753665,
    });
    expect(r).toEqual({ revisionId: 9, workTicketId: 7 });
    const cmd = inner(calls[0]);
    expect(names(cmd)).toEqual([
      "RevisionInfo", "LayerId", "SelectedFileShare", "PackagingDiskFilename", "PackagingDiskFormat", "PlatformConnectorConfigId", "Reason",
      "BaseLayerRevisionId", "PlatformLayerRevisionId",
    ]);
    expect(child(cmd, "PlatformLayerRevisionId")!.attrs).toContainEqual({ name: "nil", ns: NS.xsi, value: "true" });
  });

  it("a ticket-returning mutation with WorkTicketId 0 is an error", async () => {
    const { session } = recorder(() => "<WorkTicketId>0</WorkTicketId>");
    await expect(deleteOsLayerRevisions(session, { layerId: 1, revisionIds: [2], fileShareId: 3 })).rejects.toMatchObject({ name: "ElmError", id: "NoWorkTicket" });
  });

  it("FinalizeLayerRevision, DeleteOsLayerRevisions, CancelWorkTickets, EditLayer bodies", async () => {
    const { session, calls } = recorder();
    await finalizeLayerRevision(session, { layerRevisionId: 5, fileShareId: 6 });
    await deleteOsLayerRevisions(session, { layerId: 1, revisionIds: [2, 3], fileShareId: 4, comment: "bye" });
    await cancelWorkTickets(session, [11]);
    await editLayer(session, { id: 1, name: "N", description: "", iconId: 196608, scriptPath: "", revisions: [{ id: 2, name: "1.0", description: "d" }] });
    // FinalizeLayerRevisionCommand's members, nothing more (the WSDL has no InstallDisk* members).
    expect(names(inner(calls[0]))).toEqual(["SelectedFileShare", "LayerRevisionId", "ScriptPath", "Reason"]);
    const del = inner(calls[1]);
    expect(names(del)).toEqual(["LayerId", "RevisionIds", "Reason", "SelectedFileShare"]);
    expect(child(del, "RevisionIds")!.children.map((c) => `${c.name}=${c.text}`)).toEqual(["long=2", "long=3"]);
    expect(names(inner(calls[2]))).toEqual(["WorkTicketIds", "Force"]);
    const edit = inner(calls[3]);
    expect(names(edit)).toEqual(["Id", "Name", "Description", "IconId", "ScriptPath", "Reason", "RevisionChanges"]);
    expect(names(child(child(edit, "RevisionChanges"), "LayerRevisionChange"))).toEqual(["Id", "Name", "Description"]);
  });

  it("QueryWorkTicketsAsPendingOp selects the filter by xsi:type", async () => {
    const { session, calls } = recorder(() => "<OperationResult><WorkTickets/></OperationResult>");
    await queryWorkTickets(session, "active");
    await queryWorkTickets(session, "completed");
    await queryWorkTickets(session, { ids: [4521984] });
    const types = calls.map((c) => xsiType(child(inner(c), "Filter")!)?.name);
    expect(types).toEqual(["WorkTicketsQueryByActiveFilter", "WorkTicketsQueryByCompletedFilter", "WorkTicketsQueryByIdFilter"]);
    expect(child(child(inner(calls[2]), "Filter"), "WorkTicketIds")!.children[0].text).toBe("4521984");
  });
});

describe("Login on the wire", () => {
  it("XML-escapes user and password, sends SOAPAction unquoted, then the token header and the cookie", async () => {
    const seen: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ headers: req.headers, body });
        const login = String(req.headers.soapaction).endsWith("/Login");
        if (login) res.setHeader("Set-Cookie", "ASP.NET_SessionId=abc; path=/; HttpOnly");
        const op = String(req.headers.soapaction).split("/").pop();
        const content = login ? "<Token>tok-123</Token>" : "<IconIds><long>196608</long></IconIds>";
        res.end(`<soap:Envelope xmlns:soap="${NS.soapEnv}"><soap:Body><${op}Response xmlns="http://www.unidesk.com/"><${op}Result>${content}</${op}Result></${op}Response></soap:Body></soap:Envelope>`);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    const session = new ElmSession({ address: `http://127.0.0.1:${port}`, user: `dom\\a&b`, password: `p&<>"'x` });
    try {
      const r = await session.call("QueryLayerIcons", "query", "");
      expect(child(r, "IconIds")).toBeDefined();
      expect(seen[0].headers.soapaction).toBe("http://www.unidesk.com/Login");
      expect(seen[0].body).toContain("<UserName>dom\\a&amp;b</UserName>");
      expect(seen[0].body).toContain("<Password>p&amp;&lt;&gt;&quot;&apos;x</Password>");
      const login = await parseEnvelope(seen[0].body);
      expect(child(child(login.payload, "command"), "Password")!.text).toBe(`p&<>"'x`);
      expect(names(child(login.payload, "command"))).toEqual(["UserName", "Password", "Culture", "RememberMe"]);
      expect(seen[1].headers.unidesk_token).toBe("tok-123");
      expect(seen[1].headers.cookie).toBe("ASP.NET_SessionId=abc");
    } finally {
      session.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
