/**
 * Redaction for the wire trace, by name first (what an element or header is), then by value (the
 * secrets a client knows) as a second net: a secret in a field we did not foresee still shows as ***.
 */

/** Elements whose text is a secret: passwords, tokens, tickets, cookies, keys (vim25, ELM, guest auth). */
const SECRET_ELEMENT = /^(?:[\w.-]+:)?(?:\w*password\w*|\w*token\w*|\w*ticket\w*|\w*cookie\w*|\w*secret\w*|sessionId|\w+Key(?:Data)?|credential\w*|samlToken)$/i;

/** Headers whose value is a secret. */
const SECRET_HEADER = /cookie|token|auth|session|ticket|password|secret|key/i;

/**
 * Replaces the text of every secret element by `***`, whatever follows (a body cut mid-element
 * included). Methods that return a ticket as a plain `returnval` (AcquireCloneTicket…) are passed
 * as `secretReturn`, so their reply is redacted too.
 */
export function redactXml(xml: string, secretReturn = false): string {
  return xml.replace(/<([\w.:-]+)((?:\s[^>]*)?)>([^<]*)/g, (whole, name: string, attrs: string, text: string) => {
    if (attrs.endsWith("/") || text === "") return whole;
    const local = name.replace(/^[\w.-]+:/, "");
    if (SECRET_ELEMENT.test(local) || (secretReturn && local === "returnval")) return `<${name}${attrs}>***`;
    return whole;
  });
}

/** `name: value` pairs with secret values replaced. */
export function redactHeaders(headers: Record<string, unknown>): string {
  return Object.entries(headers)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${SECRET_HEADER.test(k) ? "***" : Array.isArray(v) ? v.join(", ") : String(v)}`)
    .join("; ");
}

/** Cuts text to `max` characters, saying how much was left out. */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more chars)`;
}
