/**
 * The HTTP(S) front of the simulated ELM: one POST endpoint `/Unidesk.Web/API.asmx`, dispatch on
 * SOAPAction (quotes optional) cross-checked with the body element, authentication by token
 * header and/or cookie, ASMX-style faults, and transport fault injection.
 */
import * as http from "node:http";
import { NotSoapError, XmlElement, XmlParseError, fields, parseEnvelope } from "../../provider/soap";
import { SimElmError } from "./errors";
import { TransportFaults } from "./faults";
import { imageOps } from "./ops/images";
import { layerOps } from "./ops/layers";
import { lookupOps } from "./ops/lookups";
import { revisionOps } from "./ops/revisions";
import { ticketOps } from "./ops/tickets";
import { OpDef } from "./ops/types";
import { ELM_NS, errorResult, faultEnvelope, resultEnvelope } from "./reply";
import { BadRequest, field, rawText, text } from "./request";
import { SessionStore, SimSession } from "./sessions";
import { ElmWorld } from "./world";

export const API_PATH = "/unidesk.web/api.asmx";

const OPS: Record<string, OpDef> = { ...layerOps, ...revisionOps, ...ticketOps, ...lookupOps, ...imageOps };
const SESSION_OPS = new Set(["Login", "Logout", "IsAuthenticated"]);

export interface Credentials {
  user: string;
  password: string;
}

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export class ElmRequestHandler {
  readonly counts = new Map<string, number>();

  constructor(
    private readonly world: ElmWorld,
    private readonly sessions: SessionStore,
    private readonly creds: Credentials,
    private readonly faults: TransportFaults,
  ) {}

  /** The `http.createServer` listener. */
  readonly listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      this.answer(req, Buffer.concat(chunks).toString("utf8"))
        .catch((err: unknown): Answer => ({ status: 500, body: faultEnvelope("soap:Server", `Server was unable to process request. ---> ${String(err)}`) }))
        .then((a) => {
          if (res.destroyed) return;
          res.writeHead(a.status, { "Content-Type": a.status === 405 || a.status === 404 ? "text/plain" : "text/xml; charset=utf-8", ...a.headers });
          res.end(a.body);
        });
    });
  };

  private async answer(req: http.IncomingMessage, body: string): Promise<Answer> {
    const url = new URL(req.url ?? "/", "http://sim");
    if (url.pathname.toLowerCase() !== API_PATH) return { status: 404, body: `not found: ${url.pathname}` };
    if (req.method !== "POST") return { status: 405, body: "only POST is supported" };
    const action = String(req.headers.soapaction ?? "").trim().replace(/^"(.*)"$/, "$1");
    const op = action.startsWith(ELM_NS) ? action.slice(ELM_NS.length) : action;
    this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
    if (this.faults.delayMs > 0) await new Promise((r) => setTimeout(r, this.faults.delayMs));
    if (this.faults.http500Next > 0) {
      this.faults.http500Next--;
      return { status: 500, body: faultEnvelope("soap:Server", "Server was unable to process request. ---> Injected HTTP 500 from the ELM simulator.") };
    }
    if (this.faults.malformedNext > 0) {
      this.faults.malformedNext--;
      return { status: 200, body: `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${op}Response` };
    }
    if ((this.faults.deepNext ?? 0) > 0) {
      this.faults.deepNext!--;
      const deep = `${"<Deep>".repeat(200)}${"</Deep>".repeat(200)}`;
      return { status: 200, body: `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><${op}Response xmlns="${ELM_NS}"><${op}Result>${deep}</${op}Result></${op}Response></soap:Body></soap:Envelope>` };
    }
    const def = OPS[op];
    if (!action.startsWith(ELM_NS) || (!def && !SESSION_OPS.has(op))) {
      return clientFault(`Server did not recognize the value of HTTP Header SOAPAction: ${action}.`);
    }
    let payload: XmlElement | undefined;
    try {
      // As .NET's XmlReader does (XML 1.0 §2.11): a literal CR or CRLF reads as LF; only &#13; is a CR.
      payload = (await parseEnvelope(body.replace(/\r\n?/g, "\n"))).payload;
    } catch (err) {
      if (err instanceof XmlParseError || err instanceof NotSoapError) return clientFault(`Server was unable to read request. ---> ${err.message}`);
      throw err;
    }
    if (!payload || payload.name !== op || payload.ns !== ELM_NS) {
      return clientFault(`The body element <${payload?.name ?? ""}> in namespace '${payload?.ns ?? ""}' does not match SOAPAction ${action}.`);
    }
    try {
      if (op === "Login") return this.login(payload);
      const session = this.sessions.authenticate(req);
      if (op === "Logout") {
        if (session) this.sessions.remove(session);
        return { status: 200, body: resultEnvelope("Logout", "") };
      }
      if (!session) return { status: 200, body: errorResult(op, invalidSession(req), op === "IsAuthenticated" ? LOGIN_ERROR_FIELDS : def?.errorFields) };
      if (op === "IsAuthenticated") return { status: 200, body: resultEnvelope(op, loginFields(session)) };
      this.world.engine.advance();
      const input = def.wrapper ? field(payload, def.wrapper) : payload;
      const content = await def.handle({ world: this.world, user: session.user }, input);
      return { status: 200, body: resultEnvelope(op, content) };
    } catch (err) {
      if (err instanceof SimElmError) return { status: 200, body: errorResult(op, err, def?.errorFields) };
      if (err instanceof BadRequest) return clientFault(err.message);
      throw err;
    }
  }

  private login(payload: XmlElement): Answer {
    const c = field(payload, "command");
    const user = text(c, "UserName");
    const password = rawText(c, "Password");
    if (user.toLowerCase() !== this.creds.user.toLowerCase() || password !== this.creds.password) {
      const e = new SimElmError("NotAuthorizedCategory", "Login failed", "The user name or password is incorrect.", "", { User: user });
      return { status: 200, body: errorResult("Login", e, LOGIN_ERROR_FIELDS) };
    }
    const s = this.sessions.create(this.creds.user);
    return {
      status: 200,
      body: resultEnvelope("Login", loginFields(s)),
      headers: { "Set-Cookie": `${this.sessions.cookieName}=${s.cookie}; path=/; HttpOnly` },
    };
  }
}

/** LoginResult's value-type members, which .NET writes even beside an Error. */
const LOGIN_ERROR_FIELDS = fields([["UserId", 0], ["Rights", 0]]);

function loginFields(s: SimSession) {
  return fields([
    ["UserId", 65536],
    ["LoginName", s.user],
    ["UserName", fields([["Domain", ""], ["Name", s.user]])],
    ["FullName", s.user],
    ["Rights", 4294967295],
    ["Token", s.token],
  ]);
}

function invalidSession(req: http.IncomingMessage): SimElmError {
  return new SimElmError("InvalidSessionCategory", "Session invalid", "Your session is invalid or has expired. Log in again.", "", {
    UserHostAddress: req.socket.remoteAddress ?? "",
  });
}

function clientFault(text: string): Answer {
  return { status: 500, body: faultEnvelope("soap:Client", text) };
}

