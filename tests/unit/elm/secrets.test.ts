/** No password or token in any error message, even when the server echoes them back. */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { ElmError, ElmSession, ElmTransportError } from "../../../provider/elm";
import { NS } from "../../../provider/soap";

const PASSWORD = `s3cr&t<"pw'>`;
const TOKEN = "tok-7f3c9a3e4b1d";

/** Answers Login with TOKEN; every other call with whatever `mode` says, echoing both secrets. */
function echoServer(mode: () => "error" | "http500" | "fault") {
  return http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const op = String(req.headers.soapaction).split("/").pop();
      const wrap = (inner: string) => `<soap:Envelope xmlns:soap="${NS.soapEnv}"><soap:Body>${inner}</soap:Body></soap:Envelope>`;
      if (op === "Login") {
        res.end(wrap(`<LoginResponse xmlns="http://www.unidesk.com/"><LoginResult><Token>${TOKEN}</Token></LoginResult></LoginResponse>`));
        return;
      }
      const echo = `token ${req.headers.unidesk_token} password ${PASSWORD.replace(/&/g, "&amp;").replace(/</g, "&lt;")}`;
      const m = mode();
      if (m === "error") {
        res.end(wrap(`<${op}Response xmlns="http://www.unidesk.com/"><${op}Result><Error><Title>${echo}</Title><Message>${echo}</Message><Details>${echo}</Details></Error></${op}Result></${op}Response>`));
      } else if (m === "fault") {
        res.statusCode = 500;
        res.end(wrap(`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>${echo}</faultstring></soap:Fault>`));
      } else {
        res.statusCode = 500;
        res.end(`internal error: ${echo} ${body}`);
      }
    });
  });
}

describe("secrets stay out of errors", () => {
  let server: http.Server;
  let mode: "error" | "http500" | "fault" = "error";
  let session: ElmSession;
  beforeAll(async () => {
    server = echoServer(() => mode);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    session = new ElmSession({ address: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, user: "administrator", password: PASSWORD });
  });
  afterAll(async () => {
    session.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it.each(["error", "fault", "http500"] as const)("%s answers are redacted", async (m) => {
    mode = m;
    const err = await session.call("QueryOsLayers", "query", "").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(m === "error" ? ElmError : ElmTransportError);
    const e = err as ElmError;
    const everything = [e.message, e.stack, JSON.stringify(e), e.title, e.details].join("\n");
    expect(everything).toContain("***");
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain("s3cr&amp;t");
  });
});
