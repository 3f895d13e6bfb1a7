import { attr, buildEnvelope, child, el, escapeXml, fields, parseEnvelope, parseXml, path, RawXml, xsiType, XmlParseError, NS } from "../../../provider/soap";

describe("parseXml", () => {
  it("resolves xsi:type whatever prefix the writer chose", async () => {
    // vcsim's Go encoder invents the prefix `XMLSchema-instance`; vCenter writes `xsi`.
    const vcsim = await parseXml(
      `<val xmlns="urn:vim25" xmlns:XMLSchema-instance="${NS.xsi}" xmlns:xsd="${NS.xsd}" XMLSchema-instance:type="xsd:string">x</val>`,
    );
    const vcenter = await parseXml(`<val xmlns="urn:vim25" xmlns:xsi="${NS.xsi}" xmlns:xsd="${NS.xsd}" xsi:type="xsd:string">x</val>`);
    expect(xsiType(vcsim)).toEqual({ ns: NS.xsd, name: "string" });
    expect(xsiType(vcenter)).toEqual(xsiType(vcsim));
  });

  it("keeps namespaces of nested default declarations and decodes entities", async () => {
    const doc = await parseXml(`<a:Root xmlns:a="urn:a"><B xmlns="urn:b"><C k="&quot;q&quot;">1 &amp; 2&#xA;</C></B></a:Root>`);
    const c = path(doc, "B", "C")!;
    expect(doc.ns).toBe("urn:a");
    expect(c.ns).toBe("urn:b");
    expect(c.text).toBe("1 & 2\n");
    expect(attr(c, "k")).toBe('"q"');
  });

  it("fails cleanly on malformed XML", async () => {
    await expect(parseXml("<a><b></a>")).rejects.toBeInstanceOf(XmlParseError);
    await expect(parseXml("")).rejects.toBeInstanceOf(XmlParseError);
  });
});

describe("el / fields", () => {
  it("escapes text and attributes, keeps raw XML, drops absent fields", () => {
    const x = el("Login", [fields([["userName", "a&b"], ["password", `<>"'`], ["locale", undefined]])], { xmlns: "urn:x" });
    expect(x.xml).toBe(`<Login xmlns="urn:x"><userName>a&amp;b</userName><password>&lt;&gt;&quot;&apos;</password></Login>`);
    expect(el("E").xml).toBe("<E/>");
    expect(el("E", new RawXml("<i/>")).xml).toBe("<E><i/></E>");
    expect(escapeXml("&amp;")).toBe("&amp;amp;");
  });
});

describe("envelopes", () => {
  it("round-trips a payload with any prefix", async () => {
    for (const prefix of ["soapenv", "soap", "s"]) {
      const text = buildEnvelope(el("Ping", "1", { xmlns: "urn:t" }), { prefix });
      const env = await parseEnvelope(text);
      expect(env.payload?.name).toBe("Ping");
      expect(env.payload?.ns).toBe("urn:t");
      expect(env.fault).toBeUndefined();
    }
  });

  it("extracts a SOAP 1.1 fault with its detail", async () => {
    const env = await parseEnvelope(
      `<soapenv:Envelope xmlns:soapenv="${NS.soapEnv}"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode>` +
        `<faultstring>The object has already been deleted</faultstring><detail><ManagedObjectNotFoundFault xmlns="urn:vim25"/></detail>` +
        `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
    );
    expect(env.fault?.code).toBe("ServerFaultCode");
    expect(env.fault?.message).toBe("The object has already been deleted");
    expect(child(env.fault?.detail, "ManagedObjectNotFoundFault")).toBeDefined();
  });

  it("refuses a document that is not an envelope", async () => {
    await expect(parseEnvelope("<html><body>502 Bad Gateway</body></html>")).rejects.toThrow(/SOAP 1.1 Envelope/);
  });
});

describe("line breaks in text and attributes", () => {
  it("a CR, LF or TAB survives a round trip as a character reference (a password holding one logs in)", async () => {
    const secret = "pa\r\nss\tword\r";
    const xml = `<r a="${escapeXml(secret)}">${escapeXml(secret)}</r>`;
    expect(xml).not.toMatch(/[\r\n\t]/);
    const doc = await parseXml(xml);
    expect(doc.text).toBe(secret);
    expect(attr(doc, "a")).toBe(secret);
  });
});
