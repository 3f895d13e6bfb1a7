/**
 * A small fake vCenter on 127.0.0.1 for hostile-peer tests: answers ServiceContent, Login and
 * Logout itself; every other method goes to the test's handler, which writes what it likes.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { NS } from "../../../provider/soap";

export const SESSION_COOKIE = `vmware_soap_session="fake-session-4711"`;
const DECLS = `xmlns:soapenv="${NS.soapEnv}" xmlns:xsi="${NS.xsi}" xmlns:xsd="${NS.xsd}"`;

/** A SOAP envelope around one vim25 payload. */
export function envelope(payload: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope ${DECLS}><soapenv:Body>${payload}</soapenv:Body></soapenv:Envelope>`;
}

export function response(method: string, inner = ""): string {
  return envelope(`<${method}Response xmlns="urn:vim25">${inner}</${method}Response>`);
}

/** A vim fault reply (HTTP 500): `detail` is the fault's fields as XML. */
export function fault(type: string, message: string, detail: string): string {
  return envelope(
    `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${message}</faultstring>` +
      `<detail><${type}Fault xmlns="urn:vim25" xsi:type="${type}">${detail}</${type}Fault></detail></soapenv:Fault>`,
  );
}

const SERVICE_CONTENT =
  `<returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector>` +
  `<viewManager type="ViewManager">ViewManager</viewManager><searchIndex type="SearchIndex">SearchIndex</searchIndex>` +
  `<sessionManager type="SessionManager">SessionManager</sessionManager><ovfManager type="OvfManager">OvfManager</ovfManager>` +
  `<about><fullName>fake vCenter</fullName><version>8.0.0</version><apiType>VirtualCenter</apiType><apiVersion>8.0</apiVersion></about></returnval>`;

export type Handler = (method: string, body: string, res: http.ServerResponse) => void;

export interface FakeVcenter {
  url: string;
  port: number;
  /** Methods called, in order. */
  calls: string[];
  handle: Handler;
  close(): Promise<void>;
}

export async function startFakeVcenter(): Promise<FakeVcenter> {
  const fake: FakeVcenter = {
    url: "",
    port: 0,
    calls: [],
    handle: (_m, _b, res) => {
      res.statusCode = 500;
      res.end(fault("MethodNotFound", "not faked", ""));
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      const method = /<soapenv:Body><(\w+)/.exec(body)?.[1] ?? "?";
      fake.calls.push(method);
      res.setHeader("Content-Type", "text/xml; charset=utf-8");
      if (method === "RetrieveServiceContent") return res.end(response(method, SERVICE_CONTENT));
      if (method === "Login") {
        res.setHeader("Set-Cookie", `${SESSION_COOKIE}; Path=/; HttpOnly`);
        return res.end(response(method, `<returnval><key>k1</key><userName>u</userName></returnval>`));
      }
      if (method === "Logout") return res.end(response(method));
      fake.handle(method, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}/sdk`;
  return fake;
}
