/** Parsing the reference's response examples (§2.1, §3.1, §5.2, §5.12) into typed views and errors. */
import { explain } from "../../../provider/errorHints";
import { ElmError, elmApiUrl } from "../../../provider/elm";
import { readOsLayerDetails, readWorkTicket } from "../../../provider/elm/read";
import { resultError } from "../../../provider/elm/wire";
import { NS, XmlElement, child, parseEnvelope, path } from "../../../provider/soap";

const env = (inner: string) =>
  `<soap:Envelope xmlns:soap="${NS.soapEnv}" xmlns:xsi="${NS.xsi}" xmlns:xsd="${NS.xsd}"><soap:Body>${inner}</soap:Body></soap:Envelope>`;

async function result(inner: string, op: string): Promise<XmlElement> {
  return path((await parseEnvelope(env(inner))).payload, `${op}Result`)!;
}

describe("ELM responses", () => {
  it("QueryOsLayerDetails (reference §5.2 example): layer, revisions sorted, states, sizes, CanDelete", async () => {
    const r = await result(
      `<QueryOsLayerDetailsResponse xmlns="http://www.unidesk.com/"><QueryOsLayerDetailsResult>
        <LayerSummary><Id>753664</Id><ImageId>196608</ImageId><Name>Win11 OS</Name><Type>OsLayer</Type></LayerSummary>
        <Guid>6f2b8c1e-0a3d-4a77-9a0b-3c0b1e2d9f10</Guid><Description>Base OS for all images</Description>
        <CreationDate>2024-03-01T10:15:00.000-05:00</CreationDate>
        <Revisions>
          <OsLayerRevisionDetail><LayerId>753664</LayerId><Id>819200</Id><Revision>2</Revision><DisplayedVersion>2024.05</DisplayedVersion>
            <State>Editing</State><CanDelete>true</CanDelete><SizeMegs>61440</SizeMegs><Imported>false</Imported></OsLayerRevisionDetail>
          <OsLayerRevisionDetail><LayerId>753664</LayerId><Id>753665</Id><Revision>1</Revision><Guid>0c1d9e2a</Guid><DisplayedVersion>1.0</DisplayedVersion>
            <Description/><State>Deployable</State>
            <ImagesUsing><ImageEntitySummary><Id>9</Id><Name>Gold</Name></ImageEntitySummary></ImagesUsing>
            <NumberOfImagesUsing>2</NumberOfImagesUsing><CanDelete>false</CanDelete><WhoLastEdited>administrator</WhoLastEdited>
            <SizeMegs>61440</SizeMegs><DiskFileSize>21474836480</DiskFileSize><Imported>true</Imported></OsLayerRevisionDetail>
        </Revisions>
        <ScriptPath/><OperatingSystem>Windows1164</OperatingSystem>
      </QueryOsLayerDetailsResult></QueryOsLayerDetailsResponse>`,
      "QueryOsLayerDetails",
    );
    expect(resultError(r)).toBeUndefined();
    const d = readOsLayerDetails(r);
    expect(d.summary).toMatchObject({ id: 753664, iconId: 196608, name: "Win11 OS", type: "OsLayer" });
    expect(d.description).toBe("Base OS for all images");
    expect(d.operatingSystem).toBe("Windows1164");
    expect(d.revisions.map((x) => [x.id, x.revision, x.versionName, x.state, x.canDelete])).toEqual([
      [753665, 1, "1.0", "Deployable", false],
      [819200, 2, "2024.05", "Editing", true],
    ]);
    expect(d.revisions[0]).toMatchObject({ sizeMiB: 61440, diskFileSizeBytes: 21474836480, imported: true, numberOfImagesUsing: 2, imagesUsing: [{ id: 9, name: "Gold" }] });
  });

  it("a WorkTicketResult (reference §5.12 example) with ResourceArgs and work items", async () => {
    const r = await result(
      `<QueryWorkTicketsAsPendingOpResponse xmlns="http://www.unidesk.com/"><QueryWorkTicketsAsPendingOpResult><Id>0</Id><Running>false</Running>
        <OperationResult><WorkTickets><WorkTicketResult><Id>4554752</Id><TitleResourceId>CreateOsLayerRevisionWorkTicketDescription</TitleResourceId>
        <ResourceArgs><string>Win11 OS</string><string>2024.06</string></ResourceArgs><State>ActionRequired</State><Status>Action required</Status>
        <UserName>administrator</UserName><WorkItems><WorkItemResult><Id>4554753</Id><WorkTicketId>4554752</WorkTicketId><ItemId>819200</ItemId>
        <CancelRequested>false</CancelRequested><IsCancelable>true</IsCancelable><ItemType>OsLayerRevision</ItemType><ItemName>Win11 OS 2024.06</ItemName>
        <State>ActionRequired</State><Status>The packaging machine 'Win11 OS 2024.06-2024-06-11_09-20-01.123' is running at 10.20.30.40.</Status>
        </WorkItemResult></WorkItems></WorkTicketResult></WorkTickets></OperationResult></QueryWorkTicketsAsPendingOpResult></QueryWorkTicketsAsPendingOpResponse>`,
      "QueryWorkTicketsAsPendingOp",
    );
    const t = readWorkTicket(path(r, "OperationResult", "WorkTickets", "WorkTicketResult")!);
    expect(t).toMatchObject({ id: 4554752, state: "ActionRequired", resourceArgs: ["Win11 OS", "2024.06"], titleResourceId: "CreateOsLayerRevisionWorkTicketDescription" });
    expect(t.workItems[0]).toMatchObject({ id: 4554753, itemId: 819200, state: "ActionRequired", isCancelable: true });
    expect(t.workItems[0].status).toContain("10.20.30.40");
  });

  it("a LocalizedError result (reference §3.1 example) becomes a conflict ElmError", async () => {
    const r = await result(
      `<CreateOsLayerRevisionResponse xmlns="http://www.unidesk.com/"><CreateOsLayerRevisionResult>
        <Error xsi:type="LocalizedError"><CategoryData xsi:type="WorkTicketConflictErrorCategory"/><Title>Unable to create version</Title>
        <Message>Another task is already running for layer 'Win11 OS'.</Message><Details/></Error>
        <RevisionId>0</RevisionId><WorkTicketId>0</WorkTicketId></CreateOsLayerRevisionResult></CreateOsLayerRevisionResponse>`,
      "CreateOsLayerRevision",
    );
    const info = resultError(r)!;
    expect(info).toEqual({ id: "WorkTicketConflictErrorCategory", category: "WorkTicketConflictErrorCategory", title: "Unable to create version", message: "Another task is already running for layer 'Win11 OS'.", details: "" });
    const e = new ElmError("CreateOsLayerRevision", "https://elm/Unidesk.Web/API.asmx", info);
    expect(e.isConflict()).toBe(true);
    expect(e.isSessionError()).toBe(false);
    expect(e.message).toBe("ELM CreateOsLayerRevision at https://elm/Unidesk.Web/API.asmx failed: Another task is already running for layer 'Win11 OS'.");
  });

  it("GlobalizedError's MessageID is the id; an empty or nil Error is no error", async () => {
    const g = await result(`<XResponse xmlns="http://www.unidesk.com/"><XResult><Error xsi:type="GlobalizedError"><DefaultTitle>SessionTimeout</DefaultTitle><MessageID>SessionTimeout</MessageID></Error></XResult></XResponse>`, "X");
    const e = new ElmError("X", "u", resultError(g)!);
    expect(e.id).toBe("SessionTimeout");
    expect(e.isSessionError()).toBe(true);
    const none = await result(`<XResponse xmlns="http://www.unidesk.com/"><XResult><Error xsi:nil="true"/><Token>t</Token></XResult></XResponse>`, "X");
    expect(resultError(none)).toBeUndefined();
    expect(child(none, "Token")!.text).toBe("t");
  });
});

describe("elmApiUrl", () => {
  it.each([
    ["elm.example.com", "https://elm.example.com/Unidesk.Web/API.asmx"],
    ["10.0.0.5:8443", "https://10.0.0.5:8443/Unidesk.Web/API.asmx"],
    ["https://elm.example.com/", "https://elm.example.com/Unidesk.Web/API.asmx"],
    ["http://127.0.0.1:4000/Unidesk.Web/API.asmx", "http://127.0.0.1:4000/Unidesk.Web/API.asmx"],
  ])("%s → %s", (address, url) => {
    expect(elmApiUrl(address)).toBe(url);
  });

  it("rejects empty and non-http addresses with the setting to fix", () => {
    const empty = (() => {
      try {
        elmApiUrl(" ");
      } catch (e) {
        return e as Error;
      }
    })();
    expect(empty).toMatchObject({ kind: "config", peer: "elm", message: expect.stringContaining("ELM address is empty") });
    // errorHints, not the client, names the setting.
    expect(explain(empty!).message).toMatch(/applayering:elmAddress \(APPLAYERING_ELM_ADDRESS\)/);
    expect(() => elmApiUrl("ftp://elm")).toThrow(/https/);
  });
});
