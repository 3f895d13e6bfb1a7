/** The whole OS-layer lifecycle, client against simulator over real HTTP. */
import {
  CREATE_OS_REVISION_TITLE,
  ElmError,
  editLayerArgsFrom,
  newestDeployableRevision,
  newVersionArgs,
  revisionByVersion,
  WorkTicket,
} from "../../../provider/elm";
import { FAST, Rig, importLayer, startRig } from "./helpers";

describe("OS layer lifecycle, classic finalize (manual)", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ finalizeMode: "manual" });
  });
  afterAll(() => rig.stop());

  it("imports, adds a version through ActionRequired → shutdown → Finalizable → finalize, edits, deletes a version, deletes the layer", async () => {
    const { client, sim } = rig;
    const share = await client.findFileShare();
    const connector = await client.findConnectorConfig("vSphere");
    expect(connector.validDiskFormats).toEqual(["VmdkSparseDiskFormat"]);
    expect(await client.icons()).toContain(196608);

    // Import from a vSphere VM.
    const imported = await client.importOs({
      layerName: "Win2022 OS",
      layerDescription: "Base OS",
      versionName: "1.0",
      layerSizeMiB: 61440,
      fileShareId: share.id,
      connectorConfigId: connector.id,
      vm: { moref: "vm-42", name: "gold-win2022" },
      comment: "tf:oslayer:op-1",
    });
    expect(imported.layer.name).toBe("Win2022 OS");
    const seen: WorkTicket[] = [];
    const done = await client.waitForWorkTicket(imported.workTicketId, { ...FAST, onChange: (t) => seen.push(t) });
    expect(done.state).toBe("Complete");
    // How many intermediate states a poll catches depends on the machine's load; the last must be Complete.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[seen.length - 1].state).toBe("Complete");
    for (const t of seen) expect(["Pending", "Running", "Complete"]).toContain(t.state);
    const layerId = imported.layer.id;
    let details = await client.osLayerDetails(layerId);
    expect(details.description).toBe("Base OS");
    expect(details.revisions).toHaveLength(1);
    expect(details.revisions[0]).toMatchObject({ versionName: "1.0", state: "Deployable", sizeMiB: 61440, canDelete: true, imported: true });
    const audit = await client.auditLog("OsLayer", layerId);
    expect(audit.map((a) => a.comment)).toContain("tf:oslayer:op-1");

    // Exact-name lookup: the ELM's filter matches substrings, the client does not.
    sim.seedLayer({ name: "Win2022 OS (old)", versions: ["a"] });
    expect((await client.osLayers("Win2022 OS")).length).toBe(2);
    expect((await client.findOsLayerByName("Win2022 OS"))?.id).toBe(layerId);
    expect(await client.findOsLayerByName("win2022")).toBeUndefined();

    // New version from the newest Deployable base.
    const base = newestDeployableRevision(details)!;
    const created = await client.createOsLayerRevision({
      layerId,
      versionName: "2.0",
      layerSizeMiB: base.sizeMiB,
      fileShareId: share.id,
      packagingDiskFilename: "Win2022 OS 2.0",
      packagingDiskFormat: connector.validDiskFormats[0],
      connectorConfigId: connector.id,
      baseRevisionId: base.id,
      comment: "tf:oslayer:op-2",
    });
    const parked = await client.waitForWorkTicket(created.workTicketId, { ...FAST, until: ["ActionRequired"] });
    expect(parked.state).toBe("ActionRequired");
    const machines = sim.packagingMachines();
    expect(machines).toHaveLength(1);
    expect(parked.workItems[0].status).toContain(`'${machines[0].name}'`);
    expect(parked.workItems[0].status).toMatch(/\b\d+\.\d+\.\d+\.\d+\b/);
    expect(machines[0].name).toMatch(/^Win2022 OS 2\.0-\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.\d{3}$/);

    // A crashed run re-discovers the in-flight ticket by layer name.
    const adopt = await client.findActiveTicketsForLayer("Win2022 OS", CREATE_OS_REVISION_TITLE);
    expect(adopt.map((t) => t.id)).toEqual([created.workTicketId]);
    expect(await client.findActiveTicketsForLayer("Win2022")).toEqual([]);

    // One operation per layer at a time.
    const second = client.createOsLayerRevision({
      layerId, versionName: "3.0", layerSizeMiB: 61440, fileShareId: share.id, packagingDiskFilename: "x",
      packagingDiskFormat: "VmdkSparseDiskFormat", connectorConfigId: connector.id, baseRevisionId: base.id,
    });
    await expect(second).rejects.toBeInstanceOf(ElmError);
    await expect(second).rejects.toMatchObject({ message: expect.stringContaining("Another task is already running") });
    expect(await second.catch((e: ElmError) => e.isConflict())).toBe(true);

    // Packaging machine shut down → ticket completes, the version is Finalizable.
    sim.shutdownPackagingMachine(machines[0].name);
    await client.waitForWorkTicket(created.workTicketId, FAST);
    details = await client.osLayerDetails(layerId);
    expect(revisionByVersion(details, "2.0")?.state).toBe("Finalizable");

    // Finalize (QueryLayerInstallDisk + FinalizeLayerRevision), then Deployable.
    await client.finalize({ layerRevisionId: created.revisionId, fileShareId: share.id, comment: "tf:oslayer:op-3" });
    const rev2 = await client.waitForRevisionState(layerId, created.revisionId, ["Deployable"], { deadline: Date.now() + 15_000, pollFirstMs: 30, pollMaxMs: 30 });
    expect(rev2.versionName).toBe("2.0");
    expect(sim.packagingMachines()).toEqual([]);
    details = await client.osLayerDetails(layerId);
    expect(newestDeployableRevision(details)?.id).toBe(created.revisionId);
    expect(details.revisions.map((r) => r.revision)).toEqual([1, 2]);

    // Edit with the full property set.
    const edit = editLayerArgsFrom(details, {
      description: "Base OS, managed by Pulumi",
      revisions: details.revisions.map((r) => ({ id: r.id, name: r.versionName, description: `v${r.versionName}` })),
    });
    await client.editLayer(edit);
    details = await client.osLayerDetails(layerId);
    expect(details.description).toBe("Base OS, managed by Pulumi");
    expect(details.summary.name).toBe("Win2022 OS");
    expect(details.revisions.map((r) => r.description)).toEqual(["v1.0", "v2.0"]);

    // Delete one version.
    const del = await client.deleteOsLayerRevisions({ layerId, revisionIds: [created.revisionId], fileShareId: share.id });
    await client.waitForWorkTicket(del.workTicketId, FAST);
    details = await client.osLayerDetails(layerId);
    expect(details.revisions.map((r) => r.versionName)).toEqual(["1.0"]);

    // Delete the last version: the layer goes.
    const delAll = await client.deleteOsLayerRevisions({ layerId, revisionIds: details.revisions.map((r) => r.id), fileShareId: share.id });
    await client.waitForWorkTicket(delAll.workTicketId, FAST);
    expect(await client.findOsLayerByName("Win2022 OS")).toBeUndefined();
    expect(await client.tryOsLayerDetails(layerId)).toBeUndefined();
    await expect(client.osLayerDetails(layerId)).rejects.toMatchObject({ name: "ElmError" });
    expect(sim.layers().map((l) => l.name)).toEqual(["Win2022 OS (old)"]);
  });
});

describe("OS layer lifecycle, finalize on shutdown (offload ELMs)", () => {
  let rig: Rig;
  const machineEvents: string[] = [];
  beforeAll(async () => {
    rig = await startRig({ finalizeMode: "onShutdown", onPackagingMachine: (e, m) => machineEvents.push(`${e}:${m.name.split("-")[0]}`) });
  });
  afterAll(() => rig.stop());

  it("completes the version when the packaging machine shuts down, with no finalize call", async () => {
    const { client, sim } = rig;
    const { layerId, share, connector } = await importLayer(rig, "Win11 OS");
    const args = newVersionArgs(await client.osLayerDetails(layerId), connector, share.id, "2024.06", { comment: "tf:op" });
    expect(args).toMatchObject({ packagingDiskFilename: "Win11 OS 2024.06", packagingDiskFormat: "VmdkSparseDiskFormat", layerSizeMiB: 61440 });
    const created = await client.createOsLayerRevision(args);
    await client.waitForWorkTicket(created.workTicketId, { ...FAST, until: ["ActionRequired"] });
    sim.shutdownPackagingMachine(created.revisionId);
    const states: string[] = [];
    const done = await client.waitForWorkTicket(created.workTicketId, { ...FAST, onChange: (t) => states.push(t.state) });
    expect(done.state).toBe("Complete");
    const rev = revisionByVersion(await client.osLayerDetails(layerId), "2024.06");
    expect(rev?.state).toBe("Deployable");
    expect(sim.packagingMachines()).toEqual([]);
    expect(sim.requestCounts().FinalizeLayerRevision).toBeUndefined();
    expect(machineEvents).toEqual(["created:Win11 OS 2024.06", "removed:Win11 OS 2024.06"]);
  });
});
