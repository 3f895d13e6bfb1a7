/** Failure paths: injected ticket outcomes, HTTP 500, malformed XML, slow answers, hangs, cancel, refusals. */
import {
  ElmError,
  ElmTransportError,
  WorkTicketFailedError,
  WorkTicketWaitError,
  newestDeployableRevision,
} from "../../../provider/elm";
import { DeadlineError } from "../../../provider/wait";
import { FAST, Rig, importLayer, startRig } from "./helpers";

describe("ELM failure paths", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(() => rig.stop());

  async function newVersion(layerId: number, versionName: string) {
    const { client } = rig;
    const share = await client.findFileShare();
    const connector = await client.findConnectorConfig("vSphere");
    const base = newestDeployableRevision(await client.osLayerDetails(layerId))!;
    return client.createOsLayerRevision({
      layerId, versionName, layerSizeMiB: base.sizeMiB, fileShareId: share.id, packagingDiskFilename: `${versionName}`,
      packagingDiskFormat: "VmdkSparseDiskFormat", connectorConfigId: connector.id, baseRevisionId: base.id,
    });
  }

  it("a Failed import is an error carrying the work item's status; the version is Broken", async () => {
    rig.sim.inject({ failNextTicket: "Failed" });
    const err = await importLayer(rig, "Failing OS").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkTicketFailedError);
    const f = err as WorkTicketFailedError;
    expect(f.state).toBe("Failed");
    expect(f.statuses.join(" ")).toContain("platform connector reported an error");
    expect(f.message).toContain("ended Failed");
    const layer = (await rig.client.findOsLayerByName("Failing OS"))!;
    expect((await rig.client.osLayerDetails(layer.id)).revisions[0].state).toBe("Broken");
  });

  it("DoneWithErrors and Canceled are errors too; a canceled version disappears", async () => {
    const { layerId } = await importLayer(rig, "Outcome OS");
    rig.sim.inject({ failNextTicket: "DoneWithErrors" });
    const v1 = await newVersion(layerId, "dwe");
    await expect(rig.client.waitForWorkTicket(v1.workTicketId, FAST)).rejects.toMatchObject({ name: "WorkTicketFailedError", state: "DoneWithErrors" });
    rig.sim.inject({ failNextTicket: "Canceled" });
    const v2 = await newVersion(layerId, "canceled");
    await expect(rig.client.waitForWorkTicket(v2.workTicketId, FAST)).rejects.toMatchObject({ state: "Canceled" });
    const names = (await rig.client.osLayerDetails(layerId)).revisions.map((r) => `${r.versionName}:${r.state}`);
    expect(names).toEqual(["1.0:Deployable", "dwe:Broken"]);
  });

  it("HTTP 500 with a fault and malformed XML are ElmTransportErrors; the next call works", async () => {
    rig.sim.inject({ http500Next: 1 });
    const e500 = await rig.client.osLayers().catch((e: unknown) => e);
    expect(e500).toBeInstanceOf(ElmTransportError);
    expect(e500).toMatchObject({ httpStatus: 500, faultCode: "soap:Server", operation: "QueryOsLayers" });
    rig.sim.inject({ malformedNext: 1 });
    const bad = await rig.client.osLayers().catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ElmTransportError);
    expect((bad as Error).message).toMatch(/not a SOAP envelope/);
    expect(Array.isArray(await rig.client.osLayers())).toBe(true);
  });

  it("a slow ELM hits the client's per-request timeout", async () => {
    const c = rig.newClient({ timeoutMs: 150 });
    await c.login();
    rig.sim.inject({ delayMs: 400 });
    try {
      await expect(c.osLayers()).rejects.toMatchObject({ name: "ElmTransportError", code: "ETIMEDOUT" });
    } finally {
      rig.sim.inject({ delayMs: 0 });
    }
  });

  it("a version hanging in ActionRequired runs into the deadline; cancel ends it Canceled", async () => {
    const { layerId } = await importLayer(rig, "Hang OS");
    rig.sim.inject({ hangInActionRequired: true });
    try {
      const v = await newVersion(layerId, "hung");
      await rig.client.waitForWorkTicket(v.workTicketId, { ...FAST, until: ["ActionRequired"] });
      rig.sim.shutdownPackagingMachine(v.revisionId);
      const err = await rig.client.waitForWorkTicket(v.workTicketId, { ...FAST, timeoutMs: 400 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeadlineError);
      expect(err).toMatchObject({ resumable: true, last: { state: "ActionRequired" } });
      expect((err as Error).message).toMatch(/timed out waiting for ELM task \d+ at .* \(.*last ActionRequired.*\); it keeps running, and the next run resumes it/);
      await rig.client.cancelWorkTickets([v.workTicketId]);
      await expect(rig.client.waitForWorkTicket(v.workTicketId, FAST)).rejects.toMatchObject({ state: "Canceled" });
      const revs = (await rig.client.osLayerDetails(layerId)).revisions.map((r) => r.versionName);
      expect(revs).toEqual(["1.0"]);
      await expect(rig.client.cancelWorkTickets([v.workTicketId])).rejects.toMatchObject({ name: "ElmError", message: expect.stringContaining("cannot be canceled") });
    } finally {
      rig.sim.inject({ hangInActionRequired: false });
    }
  });

  it("a version wait runs into its deadline with an error about the version, not a work ticket", async () => {
    const { layerId } = await importLayer(rig, "Slow Version OS");
    rig.sim.inject({ hangInActionRequired: true });
    try {
      const v = await newVersion(layerId, "stuck");
      await rig.client.waitForWorkTicket(v.workTicketId, { ...FAST, until: ["ActionRequired"] });
      const err = await rig.client.waitForRevisionState(layerId, v.revisionId, ["Deployable"], { deadline: Date.now() + 300, pollFirstMs: 20, pollMaxMs: 60 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeadlineError);
      expect(err).not.toBeInstanceOf(WorkTicketWaitError);
      const msg = (err as Error).message;
      expect(msg).toMatch(new RegExp(`^timed out waiting for version ${v.revisionId} of layer ${layerId} at \\S+ to become Deployable after [\\d.]+ s \\(version 'stuck' is still \\w+\\); it keeps running, and the next run resumes it`));
      expect(msg).not.toMatch(/task/);
      rig.sim.shutdownPackagingMachine(v.revisionId);
      await rig.client.cancelWorkTickets([v.workTicketId]).catch(() => undefined);
    } finally {
      rig.sim.inject({ hangInActionRequired: false });
    }
  });

  it("stops waiting when aborted", async () => {
    const { layerId } = await importLayer(rig, "Abort OS");
    const v = await newVersion(layerId, "2.0");
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expect(rig.client.waitForWorkTicket(v.workTicketId, { ...FAST, signal: ac.signal })).rejects.toMatchObject({ reason: "aborted" });
    await rig.client.cancelWorkTickets([v.workTicketId]);
  });

  it("backs off: a long task is polled at most once per maxPollInterval", async () => {
    rig.sim.setClockSpeed(1); // the import now takes 32 s
    try {
      const share = await rig.client.findFileShare();
      const connector = await rig.client.findConnectorConfig("vSphere");
      const r = await rig.client.importOs({ layerName: "Slow OS", versionName: "1", layerSizeMiB: 1024, fileShareId: share.id, connectorConfigId: connector.id, vm: { moref: "vm-1", name: "slow" } });
      rig.sim.resetRequestCounts();
      const start = Date.now();
      const err = await rig.client.waitForWorkTicket(r.workTicketId, { pollFirstMs: 100, pollMaxMs: 500, timeoutMs: 2000 }).catch((e: unknown) => e);
      const elapsed = Date.now() - start;
      expect(err).toBeInstanceOf(DeadlineError);
      expect(err).toMatchObject({ last: { state: "Running" } });
      const polls = rig.sim.requestCounts().QueryWorkTicketsAsPendingOp;
      // 100, 150, 225, 338, 500, 500, … ms: about 7 polls in 2 s, never one per 100 ms.
      expect(polls).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 1);
      expect(polls).toBeGreaterThanOrEqual(4);
      await rig.client.cancelWorkTickets([r.workTicketId]);
    } finally {
      rig.sim.setClockSpeed(500);
    }
  });

  it("refuses what the appliance refuses: duplicate names, non-Deployable bases, finalize too early, deleting versions in use", async () => {
    const { layerId, share, connector } = await importLayer(rig, "Rules OS");
    const dup = await importLayer(rig, "rules os").catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(ElmError);
    expect((dup as ElmError).isDuplicate()).toBe(true);

    const v = await newVersion(layerId, "2.0");
    await rig.client.waitForWorkTicket(v.workTicketId, { ...FAST, until: ["ActionRequired"] });
    rig.sim.shutdownPackagingMachine(v.revisionId);
    await rig.client.waitForWorkTicket(v.workTicketId, FAST);
    const base = await rig.client.createOsLayerRevision({
      layerId, versionName: "3.0", layerSizeMiB: 1024, fileShareId: share.id, packagingDiskFilename: "x",
      packagingDiskFormat: "VmdkSparseDiskFormat", connectorConfigId: connector.id, baseRevisionId: v.revisionId,
    }).catch((e: unknown) => e);
    expect((base as Error).message).toContain("is Finalizable; a new version can only be based on a Deployable version");

    const details = await rig.client.osLayerDetails(layerId);
    const first = details.revisions[0];
    await expect(rig.client.finalize({ layerRevisionId: first.id, fileShareId: share.id })).rejects.toMatchObject({ message: expect.stringContaining("cannot be finalized") });

    rig.sim.setImagesUsing(first.id, [{ id: 5, name: "Gold image" }]);
    const used = (await rig.client.osLayerDetails(layerId)).revisions[0];
    expect(used).toMatchObject({ canDelete: false, imagesUsing: [{ id: 5, name: "Gold image" }], numberOfImagesUsing: 1 });
    await expect(rig.client.deleteOsLayerRevisions({ layerId, revisionIds: [first.id], fileShareId: share.id })).rejects.toMatchObject({
      message: expect.stringContaining("Gold image"),
    });
    await expect(rig.client.findConnectorConfig("Nope")).rejects.toMatchObject({ message: expect.stringContaining("'vSphere'") });
  });
});
