/** Turns the user's ELM address into the API endpoint URL. */
import { tag } from "../errorKinds";

export const DEFAULT_API_PATH = "/Unidesk.Web/API.asmx";

/**
 * `elm.example.com` → `https://elm.example.com/Unidesk.Web/API.asmx`; a URL keeps its scheme,
 * host and port, and gets the API path when its path is empty or `/`.
 */
export function elmApiUrl(address: string): string {
  const trimmed = address.trim();
  if (trimmed === "") throw tag(new Error("ELM address is empty: give the appliance's host name or URL"), "config", "elm");
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw tag(new Error(`ELM address '${address}' is not a host name or URL; use e.g. 'elm.example.com' or 'https://elm.example.com'`), "config", "elm");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw tag(new Error(`ELM address '${address}' must use https:// (or http:// for a simulator)`), "config", "elm");
  }
  if (url.pathname === "" || url.pathname === "/") url.pathname = DEFAULT_API_PATH;
  return url.toString();
}
