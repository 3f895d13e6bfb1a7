/**
 * The fault matrix, the ELM: one `describe` per fault, against the ELM simulator and its fault injection.
 * Each row drives the reconcilers as the engine would (`up` in helpers.ts: create, or diff +
 * update after a partial failure) and asserts the outcome AND the invariants:
 *   - the re-run succeeds, or the error is clear (what failed and what to do);
 *   - no duplicate layer, version or VM;
 *   - no half-written export published (the final folder is absent or complete);
 *   - the user's pre-existing objects are intact;
 *   - no password in errors, recorded state or the provider log (stderr).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as osLayerModule from "../../../provider/osLayer";
import { ElmClient, newestDeployableRevision } from "../../../provider/elm";
import { ElmSim, startElmSim } from "../../../sim/elm";
import { Recorded, StderrLog, expectClearError, expectNoSecret, setEnv, until, up } from "./helpers";
import { engineView } from "../../harness/reconciler";

const osLayer = engineView(osLayerModule);

const FIXTURES = path.join(__dirname, "../../fixtures/ovf");
const ELM_PASSWORD = `Elm-${Math.random().toString(36).slice(2)}-pw`;
const log = new StderrLog();

// ------------------------------------------------------------------------------------------------
// The ELM: tickets, sessions, conflicts, transport faults, slowness (OsLayer reconciler)
// ------------------------------------------------------------------------------------------------
describe("ELM faults (OsLayer)", () => {
  let sim: ElmSim;
  let shareDir: string;
  let restoreEnv: () => void;
  const errors: Record<string, unknown> = {};
  const recordedState: Record<string, unknown> = {};
  let usersLayer = 0;

  const layer = (name: string, over: Record<string, unknown> = {}) => ({
    name,
    connector: "vSphere",
    ovfPath: "exports/win2019/win2019.ovf",
    version: "1.0",
    versionTimeout: 0.5,
    createTimeout: 0.5,
    ...over,
  });
  const layersNamed = (name: string) => sim.layers().filter((l) => l.name === name);
  const versionsOf = (name: string) => layersNamed(name).flatMap((l) => l.revisions.map((r) => `${r.versionName}:${r.state}`));

  /** Shuts every ready packaging machine down, as the admin would after installing updates. */
  function adminFinishesPackaging(): () => void {
    const t = setInterval(() => {
      for (const m of sim.packagingMachines()) {
        try {
          sim.shutdownPackagingMachine(m.name);
        } catch {
          // not ready yet
        }
      }
    }, 20);
    return () => clearInterval(t);
  }

  async function created(name: string): Promise<Recorded> {
    const r = await up(osLayer, undefined, layer(name));
    expect(r.error).toBeUndefined();
    return r.recorded;
  }

  function keep(key: string, r: { recorded: Recorded; error?: Error }): void {
    if (r.error) errors[key] = r.error;
    if (r.recorded) recordedState[key] = r.recorded.outs;
  }

  beforeAll(async () => {
    shareDir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-elm-share-"));
    fs.mkdirSync(path.join(shareDir, "exports/win2019"), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, "win2019-bios.ovf"), path.join(shareDir, "exports/win2019/win2019.ovf"));
    fs.copyFileSync(path.join(FIXTURES, "win2019-disk-0.vmdk"), path.join(shareDir, "exports/win2019/win2019-disk-0.vmdk"));
    sim = await startElmSim({ clockSpeed: 500, password: ELM_PASSWORD, fileShares: [{ uncPath: "\\\\127.0.0.1\\layers", localDir: shareDir }] });
    restoreEnv = setEnv({
      APPLAYERING_ELM_ADDRESS: sim.url,
      APPLAYERING_ELM_USER: sim.user,
      APPLAYERING_ELM_PASSWORD: ELM_PASSWORD,
      APPLAYERING_POLL_INTERVAL_MS: "20",
    });
    // A layer someone made by hand in the ELM console: no fault may touch it.
    usersLayer = sim.seedLayer({ name: "Finance OS (hand-made)", description: "not managed by Pulumi", versions: ["2023.1", "2024.1"] });
    log.start();
  });

  afterAll(async () => {
    log.stop();
    restoreEnv?.();
    await sim?.stop();
    fs.rmSync(shareDir, { recursive: true, force: true });
  });

  afterEach(() => {
    sim.inject({ delayMs: 0, http500Next: 0, malformedNext: 0, hangInActionRequired: false });
    sim.setClockSpeed(500);
  });

  describe("ticket Failed (the import)", () => {
    it("fails clearly; the re-run names the Broken version and the fix; after destroy a new up makes exactly one layer", async () => {
      sim.inject({ failNextTicket: "Failed" });
      const first = await up(osLayer, undefined, layer("Failed OS"));
      keep("failed", first);
      expectClearError(first.error, /ELM task \d+ .*ended Failed: .*platform connector reported an error/, /fix the cause and run again/);
      expect(first.recorded).toBeDefined(); // the layer exists: recorded, so destroy can remove it
      const again = await up(osLayer, first.recorded, layer("Failed OS"));
      expectClearError(again.error, /version '?1\.0'? (of layer \d+ )?is Broken/, /delete (that|the) version/);
      expect(layersNamed("Failed OS")).toHaveLength(1);
      await osLayer.delete(again.recorded!.id, again.recorded!.outs);
      expect(layersNamed("Failed OS")).toHaveLength(0);
      const fresh = await up(osLayer, undefined, layer("Failed OS"));
      expect(fresh.error).toBeUndefined();
      expect(versionsOf("Failed OS")).toEqual(["1.0:Deployable"]);
    });
  });

  describe("ticket DoneWithErrors (a new version)", () => {
    it("fails clearly, keeps the last finished version recorded; another version name then succeeds, no duplicate revisions", async () => {
      const rec = await created("DWE OS");
      sim.inject({ failNextTicket: "DoneWithErrors" });
      const bad = await up(osLayer, rec, layer("DWE OS", { version: "2.0" }));
      keep("dwe", bad);
      expectClearError(bad.error, /ended DoneWithErrors/, /fix the cause and run again/);
      expect(bad.recorded!.outs).toMatchObject({ version: "1.0" });
      const again = await up(osLayer, bad.recorded, layer("DWE OS", { version: "2.0" }));
      expectClearError(again.error, /version 2\.0 is Broken/, /choose another version name/);
      const stop = adminFinishesPackaging();
      try {
        const next = await up(osLayer, again.recorded, layer("DWE OS", { version: "2.1" }));
        expect(next.error).toBeUndefined();
        expect(next.recorded!.outs).toMatchObject({ version: "2.1", revisionState: "Deployable" });
      } finally {
        stop();
      }
      expect(versionsOf("DWE OS")).toEqual(["1.0:Deployable", "2.0:Broken", "2.1:Deployable"]);
    });
  });

  describe("ticket Canceled (the import, canceled in the ELM)", () => {
    it("fails clearly; the canceled layer is gone, so the re-run imports exactly one", async () => {
      sim.inject({ failNextTicket: "Canceled" });
      const first = await up(osLayer, undefined, layer("Canceled OS"));
      keep("canceled", first);
      expectClearError(first.error, /ended Canceled/, /nothing was recorded: the next `pulumi up` imports it anew/);
      expect(first.recorded).toBeUndefined();
      expect(layersNamed("Canceled OS")).toHaveLength(0);
      const again = await up(osLayer, first.recorded, layer("Canceled OS"));
      expect(again.error).toBeUndefined();
      expect(versionsOf("Canceled OS")).toEqual(["1.0:Deployable"]);
    });

    it("names the cancel even when the ELM removed the layer before the provider first looked", async () => {
      // A clock this fast ends the canceled import (and removes its layer) before the first lookup.
      sim.setClockSpeed(1_000_000);
      try {
        sim.inject({ failNextTicket: "Canceled" });
        const first = await up(osLayer, undefined, layer("Fast Canceled OS"));
        expectClearError(first.error, /ended Canceled/, /nothing was recorded: the next `pulumi up` imports it anew/);
        expect(first.recorded).toBeUndefined();
        expect(layersNamed("Fast Canceled OS")).toHaveLength(0);
      } finally {
        sim.setClockSpeed(500);
      }
    });
  });

  describe("session expiry in the middle of a wait", () => {
    it("logs in again and finishes the import; one layer", async () => {
      sim.setClockSpeed(20); // the import takes ~1.6 s
      sim.resetRequestCounts();
      const pending = up(osLayer, undefined, layer("Session OS"));
      await until(() => (sim.requestCounts().QueryWorkTicketsAsPendingOp ?? 0) >= 2, 10_000, "the wait to start");
      expect(sim.tickets().some((t) => t.kind === "ImportOs" && (t.state === "Pending" || t.state === "Running"))).toBe(true);
      const loginsBefore = sim.requestCounts().Login ?? 0;
      sim.inject({ expireSessions: true });
      expect(sim.sessionCount()).toBe(0);
      const r = await pending;
      expect(r.error).toBeUndefined();
      expect(sim.requestCounts().Login ?? 0).toBe(loginsBefore + 1); // one login again, in the middle of the wait
      expect(versionsOf("Session OS")).toEqual(["1.0:Deployable"]);
    });
  });

  describe("a conflicting operation already running on the layer (WorkTicketId 0)", () => {
    it("refuses clearly without adding a version; once the other task ends, the re-run adds exactly one", async () => {
      const rec = await created("Busy OS");
      // Another admin starts a version on the same layer in the ELM's console; it waits for them.
      const admin = new ElmClient({ address: sim.url, user: sim.user, password: ELM_PASSWORD });
      await admin.login();
      const details = await admin.osLayerDetails(Number(rec!.id));
      const share = await admin.findFileShare();
      const connector = await admin.findConnectorConfig("vSphere");
      const theirs = await admin.createOsLayerRevision({
        layerId: details.summary.id, versionName: "admin-hotfix", layerSizeMiB: 61440, fileShareId: share.id, packagingDiskFilename: "hotfix",
        packagingDiskFormat: "VmdkSparseDiskFormat", connectorConfigId: connector.id, baseRevisionId: newestDeployableRevision(details)!.id,
      });
      const ours = await up(osLayer, rec, layer("Busy OS", { version: "2.0" }));
      keep("conflict", ours);
      expectClearError(
        ours.error,
        new RegExp(`another ELM task is running on layer 'Busy OS' \\(task ${theirs.workTicketId} CreateOsLayerRevision.*admin-hotfix, (Running|ActionRequired|Pending)\\)`),
        /wait for it to finish \(or cancel it on the ELM's Tasks page\), then run `pulumi up` again/,
      );
      expect(versionsOf("Busy OS")).not.toContainEqual(expect.stringMatching(/^2\.0:/));
      // Their task ends (they cancel it); our re-run goes through.
      await admin.cancelWorkTickets([theirs.workTicketId]);
      await admin.waitForWorkTicket(theirs.workTicketId, { pollFirstMs: 20, pollMaxMs: 20, timeoutMs: 10_000 }).catch(() => undefined);
      await admin.logout();
      const stop = adminFinishesPackaging();
      try {
        const again = await up(osLayer, ours.recorded, layer("Busy OS", { version: "2.0" }));
        expect(again.error).toBeUndefined();
      } finally {
        stop();
      }
      expect(versionsOf("Busy OS")).toEqual(["1.0:Deployable", "2.0:Deployable"]);
    });
  });

  describe.each([
    ["HTTP 500 from the ELM", { http500Next: 1 }, /HTTP 500|SOAP fault soap:Server/],
    ["malformed XML from the ELM", { malformedNext: 1 }, /not a SOAP envelope/],
    ["XML nested deeper than the parser's limit from the ELM", { deepNext: 1 }, /nested deeper than 64/],
  ])("%s in the middle of a wait", (_name, fault, what) => {
    it("the wait rides it out (one failed poll says nothing about the task): one layer, Deployable", async () => {
      const name = `Transport OS ${JSON.stringify(fault).replace(/\W/g, "")}`;
      sim.setClockSpeed(20);
      sim.resetRequestCounts();
      const pending = up(osLayer, undefined, layer(name));
      await until(() => (sim.requestCounts().QueryWorkTicketsAsPendingOp ?? 0) >= 2, 10_000, "the wait to start");
      sim.inject(fault);
      const first = await pending;
      expect(first.error?.message).toBeUndefined();
      expect(first.recorded!.outs).toMatchObject({ version: "1.0", revisionState: "Deployable" });
      expect(versionsOf(name)).toEqual(["1.0:Deployable"]);
    });

    it("a fault on every poll is a clear error naming the ELM; the re-run finishes the same layer", async () => {
      const name = `Broken wire OS ${JSON.stringify(fault).replace(/\W/g, "")}`;
      sim.setClockSpeed(20);
      sim.resetRequestCounts();
      const pending = up(osLayer, undefined, layer(name));
      await until(() => (sim.requestCounts().QueryWorkTicketsAsPendingOp ?? 0) >= 2, 10_000, "the wait to start");
      sim.inject(Object.fromEntries(Object.keys(fault).map((k) => [k, 1000])));
      const first = await pending;
      sim.inject({ http500Next: 0, malformedNext: 0, deepNext: 0 });
      keep(`transport-${name}`, first);
      expectClearError(first.error, what, /check the appliance|check the ELM/);
      const again = await up(osLayer, first.recorded, layer(name));
      expect(again.error).toBeUndefined();
      expect(versionsOf(name)).toEqual(["1.0:Deployable"]);
    });
  });

  describe("answers slower than the deadline", () => {
    it("stops at createTimeout naming it; the re-run resumes the same import", async () => {
      sim.setClockSpeed(5); // the import takes ~6 s: longer than the 0.6 s deadline
      sim.inject({ delayMs: 150 });
      const started = Date.now();
      const first = await up(osLayer, undefined, layer("Slow OS", { createTimeout: 0.01 }));
      keep("slow", first);
      expect(Date.now() - started).toBeLessThan(10_000);
      expectClearError(first.error, /the import of version 1\.0 is not finished after 0\.01 minutes/, /next `pulumi up` resumes it \(raise createTimeout/);
      sim.inject({ delayMs: 0 });
      sim.setClockSpeed(500);
      const again = await up(osLayer, first.recorded, layer("Slow OS"));
      expect(again.error).toBeUndefined();
      expect(versionsOf("Slow OS")).toEqual(["1.0:Deployable"]);
    });
  });

  describe("invariants across the rows", () => {
    it("the user's own layer is untouched, and no layer name appears twice", () => {
      const theirs = sim.layers().find((l) => l.id === usersLayer);
      expect(theirs).toMatchObject({ name: "Finance OS (hand-made)", description: "not managed by Pulumi" });
      expect(theirs!.revisions.map((r) => `${r.versionName}:${r.state}`)).toEqual(["2023.1:Deployable", "2024.1:Deployable"]);
      expect(sim.auditLog().filter((a) => a.entityId === usersLayer)).toEqual([]);
      const names = sim.layers().map((l) => l.name.toLowerCase());
      expect(new Set(names).size).toBe(names.length);
    });

    it("the ELM password is in no error, no recorded state and no provider log line", () => {
      expect(Object.keys(errors).length).toBeGreaterThanOrEqual(5);
      expectNoSecret({ ...errors, ...recordedState, log: log.text() }, [ELM_PASSWORD]);
    });
  });
});