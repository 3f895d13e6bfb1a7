/**
 * Reply shapes the WSDL allows and the simulator never sends, from a server on 127.0.0.1: an
 * Error inside QueryWorkTicketsAsPendingOp's OperationResult (a WebResultBase of its own) fails
 * the call; an <Op>Result left out (minOccurs 0) is a null result read as defaults, not a broken
 * reply.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import {
  ElmClient,
  ElmError,
  ElmSession,
  ElmTransportError,
  finalizeLayerRevision,
  importOs,
  queryWorkTickets,
  tryQueryOsLayerDetails,
} from "../../../provider/elm";
import { NS, XmlElement, child, parseEnvelope } from "../../../provider/soap";

const ELM = "http://www.unidesk.com/";
const wrap = (inner: string) => `<soap:Envelope xmlns:soap="${NS.soapEnv}" xmlns:xsi="${NS.xsi}"><soap:Body>${inner}</soap:Body></soap:Envelope>`;
const sessionError = `<Error xsi:type="LocalizedError"><CategoryData xsi:type="InvalidSessionCategory"><UserHostAddress>127.0.0.1</UserHostAddress></CategoryData><Title>Session invalid</Title><Message>Your session is invalid or has expired.</Message><Details/></Error>`;
const ticket = `<WorkTickets><WorkTicketResult><Id>42</Id><State>Running</State></WorkTicketResult></WorkTickets>`;

describe("ELM client: optional and nested results", () => {
  let server: http.Server;
  /** The content of `<Op>Response` for the next non-Login calls, in turn (the last one repeats). */
  let replies: string[] = [];
  let logins = 0;
  /** Every request but Login: its SOAPAction's operation and body. */
  const seen: Array<{ op: string; body: string }> = [];
  let session: ElmSession;
  let address: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        const op = String(req.headers.soapaction).split("/").pop();
        if (op !== "Login") seen.push({ op: op!, body });
        if (op === "Login") {
          logins++;
          res.end(wrap(`<LoginResponse xmlns="${ELM}"><LoginResult><UserId>1</UserId><Rights>0</Rights><Token>t${logins}</Token></LoginResult></LoginResponse>`));
          return;
        }
        const inner = replies.length > 1 ? replies.shift()! : replies[0];
        res.end(wrap(`<${op}Response xmlns="${ELM}">${inner.replace(/OP/g, op!)}</${op}Response>`));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    address = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    session = new ElmSession({ address, user: "administrator", password: "pw" });
  });
  afterAll(async () => {
    session.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("an Error inside OperationResult is an ElmError, not an empty list", async () => {
    replies = [`<OPResult><Id>0</Id><Running>false</Running><OperationResult><Error xsi:type="LocalizedError"><CategoryData xsi:type="UnexpectedFailureCategory"/><Title>Query failed</Title><Message>The task list could not be read.</Message><Details/></Error><CurrentMaSystemTime>2024-01-01T00:00:00</CurrentMaSystemTime></OperationResult></OPResult>`];
    const err = await queryWorkTickets(session, "active").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ElmError);
    expect((err as ElmError).message).toContain("The task list could not be read.");
  });

  it("a session error inside OperationResult logs in again and repeats the query", async () => {
    const before = logins;
    replies = [
      `<OPResult><Id>0</Id><Running>false</Running><OperationResult>${sessionError}</OperationResult></OPResult>`,
      `<OPResult><Id>0</Id><Running>false</Running><OperationResult>${ticket}</OperationResult></OPResult>`,
    ];
    const list = await queryWorkTickets(session, "active");
    expect(list.map((t) => t.id)).toEqual([42]);
    expect(logins).toBe(before + 1);
  });

  it("a FinalizeLayerRevisionResponse without its result is success", async () => {
    replies = [""];
    await expect(finalizeLayerRevision(session, { layerRevisionId: 5, fileShareId: 6 })).resolves.toBeUndefined();
  });

  it("ElmClient.finalize sends FinalizeLayerRevisionCommand's members only, and nothing else before it", async () => {
    replies = [`<OPResult/>`];
    seen.length = 0;
    const client = new ElmClient({ address, user: "administrator", password: "pw" });
    await client.finalize({ layerRevisionId: 5, fileShareId: 6, comment: "c" });
    client.session.close();
    expect(seen.map((r) => r.op)).toEqual(["FinalizeLayerRevision"]);
    const command = child((await parseEnvelope(seen[0].body)).payload, "command", ELM) as XmlElement;
    // citrix/packer-plugin-citrix elm-client/elm_client.go: SelectedFileShare, LayerRevisionId, ScriptPath, Reason.
    expect(command.children.map((c) => `${c.ns} ${c.name}`)).toEqual(["SelectedFileShare", "LayerRevisionId", "ScriptPath", "Reason"].map((n) => `${ELM} ${n}`));
  });

  it("an ImportOsResponse without its result is 'no work ticket', not a transport error", async () => {
    replies = [""];
    const err = await importOs(session, { layerName: "L", versionName: "1", layerSizeMiB: 1, fileShareId: 1, connectorConfigId: "c", vm: { moref: "vm-1", name: "v" } }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ElmTransportError);
    expect(err).toMatchObject({ name: "ElmError", id: "NoWorkTicket" });
  });

  it("a QueryOsLayerDetailsResponse without its result says so; it is not taken for a missing layer", async () => {
    replies = [""];
    const err = await tryQueryOsLayerDetails(session, 7).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "ElmError", id: "NoResult" });
    expect((err as ElmError).isNotFound()).toBe(false);
  });

  it("a reply that is not the operation's response is still a transport error", async () => {
    replies = [""];
    const other = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => res.end(wrap(`<SomethingElse xmlns="${ELM}"/>`)));
    });
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", () => r()));
    const s = new ElmSession({ address: `http://127.0.0.1:${(other.address() as AddressInfo).port}/`, user: "a", password: "pw" });
    await expect(s.login()).rejects.toBeInstanceOf(ElmTransportError);
    s.close();
    await new Promise<void>((r) => other.close(() => r()));
  });
});
