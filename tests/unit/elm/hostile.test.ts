/** The ELM client against a hostile ELM on 127.0.0.1: replies over the cap, unparseable polls, a dripping poll. */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { ElmSession, ElmTransportError, waitForWorkTicket } from "../../../provider/elm";
import { DeadlineError } from "../../../provider/wait";
import { NS } from "../../../provider/soap";

const wrap = (inner: string) => `<soap:Envelope xmlns:soap="${NS.soapEnv}"><soap:Body>${inner}</soap:Body></soap:Envelope>`;
const op = (name: string, inner: string) => wrap(`<${name}Response xmlns="http://www.unidesk.com/"><${name}Result>${inner}</${name}Result></${name}Response>`);
const tickets = (state: string, pad = "") =>
  op("QueryWorkTicketsAsPendingOp", `<OperationResult><WorkTickets><WorkTicketResult><Id>77</Id><TitleResourceId>T</TitleResourceId><ResourceArgs><string>OS${pad}</string></ResourceArgs><State>${state}</State><Status>s</Status><WorkItems/></WorkTicketResult></WorkTickets></OperationResult>`);

type Poll = (res: http.ServerResponse) => void;

describe("ELM client against a hostile ELM", () => {
  let server: http.Server;
  let url: string;
  let polls: Poll[] = [];
  const timers: NodeJS.Timeout[] = [];
  const drip: Poll = (res) => {
    res.writeHead(200);
    const t = setInterval(() => res.write(" "), 500);
    timers.push(t);
    res.on("close", () => clearInterval(t));
  };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        const name = String(req.headers.soapaction).split("/").pop();
        if (name === "Login") return res.end(op("Login", "<Token>tok-1</Token>"));
        (polls.shift() ?? ((r: http.ServerResponse) => r.end(tickets("Complete"))))(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => timers.splice(0).forEach(clearInterval));
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  const session = (extra: Partial<ConstructorParameters<typeof ElmSession>[0]> = {}) =>
    new ElmSession({ address: `${url}/Unidesk.Web/API.asmx`, user: "administrator", password: "pw-123456", ...extra });

  it("a reply over the cap is an ElmTransportError naming the ELM and the cap", async () => {
    const s = session({ maxReplyBytes: 64 * 1024 });
    polls = [(res) => res.end(tickets("Running", "x".repeat(256 * 1024)))];
    const err = await waitForWorkTicket(s, 77, { timeoutMs: 5000, pollFirstMs: 10, pollMaxMs: 10 }).catch((e: unknown) => e);
    s.close();
    expect(err).toBeInstanceOf(ElmTransportError);
    expect(err).toMatchObject({ code: "ETOOLARGE" });
    expect((err as Error).message).toContain(url);
    expect((err as Error).message).toContain("65536 bytes cap");
  });

  it("a wait rides out polls that are too deep or carry a DOCTYPE (typed EBADREPLY), then completes", async () => {
    const s = session();
    polls = [
      (res) => res.end(wrap(`${"<d>".repeat(1000)}${"</d>".repeat(1000)}`)),
      (res) => res.end(`<!DOCTYPE x [<!ENTITY a "a">]>${tickets("Complete")}`),
    ];
    const t = await waitForWorkTicket(s, 77, { timeoutMs: 10_000, pollFirstMs: 10, pollMaxMs: 10 });
    s.close();
    expect(t.state).toBe("Complete");
    expect(polls).toHaveLength(0);
  });

  it("a ticket wait's deadline holds while a poll drips one byte every 500 ms", async () => {
    const s = session();
    polls = [drip, drip, drip];
    const err = await waitForWorkTicket(s, 77, { timeoutMs: 1500, pollFirstMs: 10, pollMaxMs: 10 }).catch((e: unknown) => e);
    s.close();
    expect(err).toBeInstanceOf(DeadlineError);
    expect(err).toMatchObject({ awaited: expect.stringContaining("ELM task 77") });
  }, 20_000);
});
