/** SOAP 1.1 envelopes: building requests and splitting replies into payload or fault. */
import { NS, RawXml, XmlElement, child, childText, parseXml } from "./xml";

export interface EnvelopeOptions {
  /** Envelope prefix; servers must not care (`soapenv`, `soap` and `s` are all seen). */
  prefix?: string;
  /** Serialized SOAP header content, if any. */
  header?: RawXml | string;
  /** Extra namespace declarations on the Envelope element (e.g. xsi, xsd). */
  declarations?: Record<string, string>;
}

/** Wraps a serialized body payload in a SOAP 1.1 envelope. */
export function buildEnvelope(payload: RawXml | string, opts: EnvelopeOptions = {}): string {
  const p = opts.prefix ?? "soapenv";
  const decls = Object.entries({ xsi: NS.xsi, xsd: NS.xsd, ...opts.declarations })
    .map(([k, v]) => ` xmlns:${k}="${v}"`)
    .join("");
  const header = opts.header ? `<${p}:Header>${opts.header}</${p}:Header>` : "";
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<${p}:Envelope xmlns:${p}="${NS.soapEnv}"${decls}>${header}<${p}:Body>${payload}</${p}:Body></${p}:Envelope>`
  );
}

export interface SoapFault {
  code: string;
  message: string;
  detail?: XmlElement;
}

export interface ParsedEnvelope {
  envelope: XmlElement;
  header?: XmlElement;
  body: XmlElement;
  /** The first element of the Body when it is not a Fault. */
  payload?: XmlElement;
  fault?: SoapFault;
}

/** Thrown when a document parses as XML but is not a SOAP 1.1 envelope. */
export class NotSoapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotSoapError";
  }
}

/** Parses a SOAP 1.1 envelope (any prefix). Throws XmlParseError or NotSoapError. */
export async function parseEnvelope(text: string): Promise<ParsedEnvelope> {
  return splitEnvelope(await parseXml(text));
}

/** Splits a parsed document into header, body and payload or fault. Throws NotSoapError. */
export function splitEnvelope(envelope: XmlElement): ParsedEnvelope {
  if (envelope.name !== "Envelope" || envelope.ns !== NS.soapEnv) {
    throw new NotSoapError(`expected a SOAP 1.1 Envelope, got <${envelope.name}>`);
  }
  const body = envelope.children.find((c) => c.name === "Body" && c.ns === NS.soapEnv);
  if (!body) throw new NotSoapError("SOAP Envelope has no Body");
  const header = envelope.children.find((c) => c.name === "Header" && c.ns === NS.soapEnv);
  const first = body.children[0];
  if (first && first.name === "Fault" && first.ns === NS.soapEnv) {
    return {
      envelope,
      header,
      body,
      fault: {
        code: (childText(first, "faultcode") ?? "").trim(),
        message: (childText(first, "faultstring") ?? "").trim(),
        detail: child(first, "detail"),
      },
    };
  }
  return { envelope, header, body, payload: first };
}
