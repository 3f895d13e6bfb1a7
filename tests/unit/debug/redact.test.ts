/** Redaction of trace lines by element and header name. */
import { cut, redactHeaders, redactXml } from "../../../provider/debug/redact";

describe("redactXml", () => {
  it("hides the text of password, token, ticket, cookie, session id and key elements, keeping the rest", () => {
    const xml =
      "<Login><userName>root</userName><password>s3cret</password></Login>" +
      "<auth xsi:type=\"NamePasswordAuthentication\"><username>Administrator</username><password>guest-pw</password><interactiveSession>false</interactiveSession></auth>" +
      "<LoginResult><Token>abc-token</Token><UserId>1</UserId></LoginResult>" +
      "<TerminateSession><sessionId>52a1</sessionId></TerminateSession><ns:sessionCookie>c00k</ns:sessionCookie>" +
      "<signingKey>k3y</signingKey><key>2000</key>";
    const out = redactXml(xml);
    for (const s of ["s3cret", "guest-pw", "abc-token", "52a1", "c00k", "k3y"]) expect(out).not.toContain(s);
    for (const s of ["<userName>root</userName>", "<username>Administrator</username>", "<UserId>1</UserId>", "<key>2000</key>", "<interactiveSession>false"]) expect(out).toContain(s);
    expect(out).toContain("<password>***</password>");
  });

  it("hides a secret in a body cut in the middle of its element", () => {
    expect(redactXml("<command><Password>half-of-the-pass")).toBe("<command><Password>***");
  });

  it("hides a bare returnval when the method returns a ticket", () => {
    const xml = "<AcquireCloneTicketResponse><returnval>cst-VCT-52</returnval></AcquireCloneTicketResponse>";
    expect(redactXml(xml, true)).not.toContain("cst-VCT-52");
    expect(redactXml(xml, false)).toContain("cst-VCT-52");
  });
});

describe("redactHeaders", () => {
  it("hides cookies, tokens and authorization by header name", () => {
    const out = redactHeaders({ SOAPAction: "urn:vim25/8.0", Cookie: 'vmware_soap_session="x1"', UNIDESK_TOKEN: "t0k", Authorization: "Basic eA==", "set-cookie": ["a=b"], skipped: undefined });
    expect(out).toBe("SOAPAction: urn:vim25/8.0; Cookie: ***; UNIDESK_TOKEN: ***; Authorization: ***; set-cookie: ***");
  });
});

describe("cut", () => {
  it("keeps short text and says how much of long text was left out", () => {
    expect(cut("abc", 5)).toBe("abc");
    expect(cut("abcdefgh", 5)).toBe("abcde… (3 more chars)");
  });
});
