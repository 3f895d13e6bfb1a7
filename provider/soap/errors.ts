/**
 * Errors of the SOAP layer. Messages name the endpoint and what to do; they never carry a
 * request body, so a password or token sent in one cannot leak through them.
 */
import { escapeXml, type XmlElement } from "./xml";

/** A SOAP 1.1 Fault returned by the server (HTTP 500 or 200 with a Fault body). */
export class SoapFaultError extends Error {
  constructor(
    readonly faultCode: string,
    readonly faultString: string,
    readonly detail: XmlElement | undefined,
    readonly url: string,
    readonly httpStatus: number,
  ) {
    super(`SOAP fault from ${url}: ${faultString || faultCode}`);
    this.name = "SoapFaultError";
  }
}

/** An HTTP status the SOAP layer cannot interpret (not 200, not a 500 carrying a Fault). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    readonly bodySnippet: string,
  ) {
    super(`HTTP ${status} from ${url}${bodySnippet ? `: ${bodySnippet}` : ""}`);
    this.name = "HttpError";
  }
}

/** The connection failed, timed out or was reset, or the reply was not SOAP at all. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = "TransportError";
  }
}

/** Replaces every occurrence of each secret (and its XML-escaped form) by `***`. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 3) continue;
    for (const form of new Set([s, encodeXmlText(s), encodeURIComponent(s)])) {
      out = out.split(form).join("***");
    }
  }
  return out;
}

/** Redacts secrets in every text and attribute value of an element tree (a fault's detail), in place. */
export function redactElement(el: XmlElement, secrets: ReadonlyArray<string | undefined>): XmlElement {
  el.text = redact(el.text, secrets);
  for (const a of el.attrs) a.value = redact(a.value, secrets);
  for (const c of el.children) redactElement(c, secrets);
  return el;
}

function encodeXmlText(s: string): string {
  return escapeXml(s);
}
