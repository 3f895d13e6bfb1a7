/**
 * The fault matrix: one `describe` per fault, against the real peers (the ELM simulator with its
 * fault injection, the vcsim launcher, smbd). Each row drives the reconcilers as the engine would
 * (`up` in helpers.ts: create, or diff + update after a partial failure) and asserts the outcome
 * AND the invariants:
 *   - the re-run succeeds, or the error is clear (what failed and what to do);
 *   - no duplicate layer, version or VM;
 *   - no half-written export published (the final folder is absent or complete);
 *   - the user's pre-existing objects are intact;
 *   - no password in errors, recorded state or the provider log (stderr).
 * The provider host killed in the middle of a create is the last row, through the harness.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as osLayerModule from "../../../provider/osLayer";
import * as osMachineModule from "../../../provider/osMachine";
import * as ovfExportModule from "../../../provider/ovfExport";
import { ElmClient, newestDeployableRevision } from "../../../provider/elm";
import { VimClient, destroyVm, findByInventoryPath, powerOff, powerOn, readVm, retrieveProperties } from "../../../provider/vsphere";
import { el } from "../../../provider/soap";
import { ElmSim, startElmSim } from "../../../sim/elm";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { Cmd, command, forgeWriteAck, isSmb2, startMitm } from "../../../sim/smbd/mitm";
import { startVcsim, Vcsim } from "../../../sim/vcsim/launch";
import { DynamicProviderHost, Engine, OperationError, resource, secret, Program } from "../../harness";
import { trampoline } from "../../../sdk/trampoline";
import {
  Recorded,
  StderrLog,
  expectClearError,
  expectNoSecret,
  publishedExportState,
  setEnv,
  strayEntries,
  startVsphereProxy,
  until,
  up,
  vmsNamed,
  VsphereProxy,
} from "./helpers";
import { engineView } from "../../harness/reconciler";

const osLayer = engineView(osLayerModule);
const osMachine = engineView(osMachineModule);
const ovfExport = engineView(ovfExportModule);

const FIXTURES = path.join(__dirname, "../../fixtures/ovf");
const repoRoot = path.resolve(__dirname, "../../..");
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

// ------------------------------------------------------------------------------------------------
// vSphere and the share: leases, sessions, tasks, objects gone, SMB faults (OsMachine, OvfExport)
// ------------------------------------------------------------------------------------------------
describe("vSphere and file share faults (OsMachine, OvfExport)", () => {
  let vc: Vcsim;
  let smb: SmbdInstance;
  let full: SmbdInstance;
  let proxy: VsphereProxy;
  let admin: VimClient;
  let restoreEnv: () => void;
  let machine: Recorded;
  const errors: Record<string, unknown> = {};
  const recordedState: Record<string, unknown> = {};
  const DISK_BYTES = 8 << 20;
  const USERS_FILE = "exports/users-own/notes.txt";

  const machineArgs = (name: string, over: Record<string, unknown> = {}) => ({ name, datacenter: "DC0", datastore: "LocalDS_0", network: "VM Network", diskGb: 1, ...over });
  const exportArgs = (name: string, share = smb) => ({
    vmMoref: machine!.id,
    vmChangeVersion: machine!.outs.changeVersion,
    shareFolder: `${share.unc}\\exports`,
    name,
    exportTimeout: 1,
  });
  const keep = (key: string, r: { recorded: Recorded; error?: Error }) => {
    if (r.error) errors[key] = r.error;
    if (r.recorded) recordedState[key] = r.recorded.outs;
  };
  const leaseState = async (lease: string) =>
    (await retrieveProperties(admin, { type: "HttpNfcLease", value: lease }, ["state"])).props.state;

  beforeAll(async () => {
    [vc, smb, full] = await Promise.all([startVcsim({ vms: 1, leaseTimeoutSeconds: 1, leaseInitMs: 50 }), startSmbd(), startSmbd({ maxFileSizeKiB: 2048 })]);
    proxy = await startVsphereProxy({ url: vc.url, thumbprint: vc.thumbprint });
    admin = await VimClient.connect({ url: vc.url, user: vc.user, password: vc.password, tls: { ca: fs.readFileSync(vc.caCertPath) } });
    restoreEnv = setEnv({
      VSPHERE_SERVER: proxy.url,
      VSPHERE_USER: vc.user,
      VSPHERE_PASSWORD: vc.password,
      APPLAYERING_VSPHERE_THUMBPRINT: proxy.thumbprint,
      APPLAYERING_SHARE_USER: smb.user,
      APPLAYERING_SHARE_PASSWORD: smb.password,
    });
    // Something of the user's on the share, which no fault may touch.
    fs.mkdirSync(path.join(smb.dir, "exports/users-own"), { recursive: true });
    fs.writeFileSync(path.join(smb.dir, USERS_FILE), "hand-made export notes");
    const r = await up(osMachine, undefined, machineArgs("faults-os"));
    expect(r.error).toBeUndefined();
    machine = r.recorded;
    await vc.sizeDisk((await readVm(admin, { type: "VirtualMachine", value: machine!.id })).disks[0].fileName!, DISK_BYTES);
    log.start();
  });

  afterAll(async () => {
    log.stop();
    restoreEnv?.();
    await admin?.logout().catch(() => undefined);
    admin?.close();
    await proxy?.stop();
    await Promise.allSettled([vc?.stop(), smb?.stop(), full?.stop()]);
  });

  afterEach(() => {
    proxy.withholdKeepAlive = false;
    proxy.nfcBytesPerSecond = 0;
  });

  describe("vSphere lease timeout (keep-alive withheld)", () => {
    it("fails clearly, publishes nothing; the re-run exports it complete", async () => {
      proxy.withholdKeepAlive = true;
      proxy.nfcBytesPerSecond = 2 << 20; // 4 s of transfer against a 1 s lease
      const first = await up(ovfExport, undefined, exportArgs("lease-timeout"));
      keep("lease-timeout", first);
      expectClearError(first.error, /export lease .*(Timedout|expired)/, /nothing was published .*run `pulumi up` again/);
      expect(first.recorded).toBeUndefined();
      expect(publishedExportState(smb.dir, "exports", "lease-timeout")).toBe("absent");
      expect(await leaseState(proxy.leases[proxy.leases.length - 1])).toBe("error");
      proxy.withholdKeepAlive = false;
      proxy.nfcBytesPerSecond = 0;
      const again = await up(ovfExport, first.recorded, exportArgs("lease-timeout"));
      expect(again.error).toBeUndefined();
      expect(publishedExportState(smb.dir, "exports", "lease-timeout")).toBe("complete");
    });
  });

  describe("vSphere lease aborted (by an admin, mid-transfer)", () => {
    it("fails clearly, publishes nothing; the re-run exports it complete", async () => {
      proxy.nfcBytesPerSecond = 4 << 20;
      const leasesBefore = proxy.leases.length;
      proxy.nfcBytes = 0;
      const pending = up(ovfExport, undefined, exportArgs("lease-abort"));
      await until(() => proxy.leases.length > leasesBefore && proxy.nfcBytes > 1 << 20, 15_000, "the transfer to start");
      const lease = proxy.leases[proxy.leases.length - 1];
      await admin.invoke("HttpNfcLeaseAbort", { type: "HttpNfcLease", value: lease });
      const first = await pending;
      keep("lease-abort", first);
      expectClearError(first.error, /lease is in state error|aborted/, /nothing was published .*run `pulumi up` again/);
      expect(publishedExportState(smb.dir, "exports", "lease-abort")).toBe("absent");
      proxy.nfcBytesPerSecond = 0;
      const again = await up(ovfExport, first.recorded, exportArgs("lease-abort"));
      expect(again.error).toBeUndefined();
      expect(publishedExportState(smb.dir, "exports", "lease-abort")).toBe("complete");
    });
  });

  describe("vSphere session lost mid-export (terminated by an admin)", () => {
    it("logs in again and finishes: the export is published complete", async () => {
      proxy.nfcBytesPerSecond = 4 << 20;
      proxy.nfcBytes = 0;
      const pending = up(ovfExport, undefined, exportArgs("session-loss"));
      await until(() => proxy.nfcBytes > 1 << 20, 15_000, "the transfer to start");
      const mine = await admin.sessionKey();
      const list = (await retrieveProperties(admin, admin.serviceContent.sessionManager, ["sessionList"])).props.sessionList;
      const keys = [...JSON.stringify(list).matchAll(/"key":"([^"]+)"/g)].map((m) => m[1]).filter((k) => k !== mine);
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) await admin.invoke("TerminateSession", admin.serviceContent.sessionManager, el("sessionId", k));
      const r = await pending;
      keep("session-loss", r);
      expect(r.error?.message).toBeUndefined();
      expect(publishedExportState(smb.dir, "exports", "session-loss")).toBe("complete");
    });
  });

  describe("a vSphere task error (an admin's power-on racing the reconciler's task)", () => {
    let rec: Recorded;
    let vm: { type: string; value: string };

    it("PowerOnVM_Task ends InvalidPowerState (already on): taken as done, one VM", async () => {
      const made = await up(osMachine, undefined, machineArgs("race-os"));
      expect(made.error).toBeUndefined();
      vm = { type: "VirtualMachine", value: made.recorded!.id };
      proxy.before.set("PowerOnVM_Task", () => powerOn(admin, vm));
      const r = await up(osMachine, made.recorded, machineArgs("race-os", { powerState: "poweredOn" }));
      expect(r.error?.message).toBeUndefined();
      expect(proxy.before.has("PowerOnVM_Task")).toBe(false); // the race did happen
      expect(r.recorded!.outs).toMatchObject({ powerState: "poweredOn" });
      expect(await vmsNamed(admin, "race-os")).toEqual([made.recorded!.id]);
      rec = (await up(osMachine, r.recorded, machineArgs("race-os"))).recorded; // powered off again
    });

    it("Destroy_Task ends InvalidPowerState (powered on between power-off and destroy): a clear error, the VM kept; the re-run destroys it", async () => {
      proxy.before.set("Destroy_Task", () => powerOn(admin, vm));
      const err = await osMachine.delete(rec!.id, rec!.outs).then(() => undefined, (e: Error) => e);
      if (err) errors["task-error"] = err;
      expectClearError(err, /InvalidPowerState|powered ?[oO]n/, /.+/);
      expect(await vmsNamed(admin, "race-os")).toEqual([rec!.id]);
      await osMachine.delete(rec!.id, rec!.outs);
      expect(await vmsNamed(admin, "race-os")).toEqual([]);
    });
  });

  describe("the VM deleted out of band", () => {
    it("read reports it gone, update and export fail clearly; after refresh the next up makes exactly one", async () => {
      const made = await up(osMachine, undefined, machineArgs("oob-os"));
      expect(made.error).toBeUndefined();
      const vm = { type: "VirtualMachine", value: made.recorded!.id };
      await powerOff(admin, vm).catch(() => undefined);
      await destroyVm(admin, vm);
      expect(await osMachine.read(made.recorded!.id, made.recorded!.outs)).toEqual({});
      const upd = await up(osMachine, made.recorded, machineArgs("oob-os", { cpus: 4 }));
      keep("oob-update", upd);
      expectClearError(upd.error, /VM \S+ no longer exists in vSphere/, /pulumi refresh/);
      const exp = await up(ovfExport, undefined, { ...exportArgs("oob"), vmMoref: made.recorded!.id });
      keep("oob-export", exp);
      expectClearError(exp.error, new RegExp(`OvfExport.vmMoref: VM ${made.recorded!.id} no longer exists`), /run `pulumi refresh`/);
      expect(publishedExportState(smb.dir, "exports", "oob")).toBe("absent");
      // `pulumi refresh` dropped it from state: the next up creates it again, once.
      const again = await up(osMachine, undefined, machineArgs("oob-os", { cpus: 4 }));
      expect(again.error).toBeUndefined();
      expect(await vmsNamed(admin, "oob-os")).toHaveLength(1);
    });
  });

  describe("the SMB server killed mid-transfer", () => {
    it("fails clearly, publishes nothing; with the server back, the re-run exports it complete", async () => {
      const victim = await startSmbd();
      let back: SmbdInstance | undefined;
      const restore = setEnv({ APPLAYERING_SHARE_USER: victim.user, APPLAYERING_SHARE_PASSWORD: victim.password });
      try {
        proxy.nfcBytesPerSecond = 4 << 20;
        proxy.nfcBytes = 0;
        const pending = up(ovfExport, undefined, exportArgs("smb-killed", victim));
        await until(() => proxy.nfcBytes > 2 << 20, 15_000, "the transfer to start");
        victim.kill();
        const first = await pending;
        keep("smb-killed", first);
        expectClearError(first.error, /SMB: connection to .* was lost/, /nothing was published .*run `pulumi up` again/);
        expect(publishedExportState(victim.dir, "exports", "smb-killed")).toBe("absent");
        proxy.nfcBytesPerSecond = 0;
        back = await startSmbd({ address: victim.host, port: victim.port, user: victim.user, password: victim.password });
        fs.cpSync(path.join(victim.dir, "exports"), path.join(back.dir, "exports"), { recursive: true });
        const again = await up(ovfExport, first.recorded, exportArgs("smb-killed", victim));
        expect(again.error).toBeUndefined();
        expect(publishedExportState(back.dir, "exports", "smb-killed")).toBe("complete");
        expect(fs.readdirSync(path.join(back.dir, "exports")).filter((n) => n.startsWith(".smb-killed"))).toEqual([]);
      } finally {
        restore();
        await Promise.allSettled([victim.stop(), back?.stop()]);
      }
    });
  });

  describe("a man in the middle on the share acknowledging WRITEs the server never gets", () => {
    it("fails clearly, publishes nothing (no manifest for bytes never stored); once the path is honest, the re-run exports it complete", async () => {
      const mitm = await startMitm({ host: smb.host, port: smb.port });
      const via = { ...smb, unc: `\\\\127.0.0.1:${mitm.port}\\${smb.share}` } as SmbdInstance;
      // Forged acks behind SessionId 0 (the old client skipped the signature check for them).
      mitm.tamper = (m, dir, link) => {
        if (dir !== "toServer" || !isSmb2(m) || command(m) !== Cmd.WRITE) return undefined;
        link.toClient(forgeWriteAck(m));
        return null;
      };
      try {
        const first = await up(ovfExport, undefined, exportArgs("smb-mitm", via));
        keep("smb-mitm", first);
        expectClearError(first.error, /SMB: 127\.0\.0\.1:\d+ sent a WRITE reply for session 0x0, not the request's session/, /nothing was published/);
        expect(publishedExportState(smb.dir, "exports", "smb-mitm")).toBe("absent");
        mitm.tamper = undefined; // the same path, now honest
        const again = await up(ovfExport, first.recorded, exportArgs("smb-mitm", via));
        expect(again.error).toBeUndefined();
        expect(publishedExportState(smb.dir, "exports", "smb-mitm")).toBe("complete");
      } finally {
        await mitm.stop();
      }
    });
  });

  describe("the share full", () => {
    it("fails clearly each time, publishing nothing and leaving no stray files", async () => {
      const restore = setEnv({ APPLAYERING_SHARE_USER: full.user, APPLAYERING_SHARE_PASSWORD: full.password });
      try {
        for (const attempt of [1, 2]) {
          const r = await up(ovfExport, undefined, exportArgs("share-full", full));
          keep(`share-full-${attempt}`, r);
          expectClearError(r.error, /STATUS_DISK_FULL/, /free space on the server.*nothing was published/);
          expect(r.recorded).toBeUndefined();
          expect(publishedExportState(full.dir, "exports", "share-full")).toBe("absent");
          expect(strayEntries(full.dir, "exports")).toEqual([]);
        }
      } finally {
        restore();
      }
    });
  });

  describe("a misspelled share signing policy", () => {
    it("fails clearly before any export starts, naming the setting and its values", async () => {
      const restore = setEnv({ APPLAYERING_SHARE_SIGNING: "off" });
      const exportsBefore = proxy.counts.get("ExportVm") ?? 0;
      try {
        const r = await up(ovfExport, undefined, exportArgs("bad-signing"));
        keep("bad-signing", r);
        expectClearError(r.error, /applayering:shareSigning \(or APPLAYERING_SHARE_SIGNING\)/, /must be "required" or "optional", got "off"/);
        expect(proxy.counts.get("ExportVm") ?? 0).toBe(exportsBefore);
        expect(publishedExportState(smb.dir, "exports", "bad-signing")).toBe("absent");
      } finally {
        restore();
      }
    });
  });

  describe("a wrong share password", () => {
    it("fails clearly before any export starts, naming the settings, not the password", async () => {
      const wrong = `Wrong-${Math.random().toString(36).slice(2)}`;
      const restore = setEnv({ APPLAYERING_SHARE_PASSWORD: wrong });
      const exportsBefore = proxy.counts.get("ExportVm") ?? 0;
      try {
        const r = await up(ovfExport, undefined, exportArgs("bad-password"));
        keep("bad-password", r);
        expectClearError(r.error, /OvfExport.shareFolder: .* refused the logon of "layers"/, /check applayering:shareUser, applayering:sharePassword/);
        expectNoSecret({ error: r.error }, [wrong]);
        expect(proxy.counts.get("ExportVm") ?? 0).toBe(exportsBefore);
        expect(publishedExportState(smb.dir, "exports", "bad-password")).toBe("absent");
      } finally {
        restore();
      }
    });
  });

  describe("invariants across the rows", () => {
    it("no duplicate VM, the user's own objects intact, no password anywhere", async () => {
      expect(await vmsNamed(admin, "faults-os")).toEqual([machine!.id]);
      expect(await findByInventoryPath(admin, "DC0/vm/DC0_H0_VM0")).toBeDefined();
      expect(fs.readFileSync(path.join(smb.dir, USERS_FILE), "utf8")).toBe("hand-made export notes");
      expect(Object.keys(errors).length).toBeGreaterThanOrEqual(7);
      if (process.env.RELIABILITY_SHOW_ERRORS) for (const [k, e] of Object.entries(errors)) console.log(k, (e as Error).message);
      expectNoSecret({ ...errors, ...recordedState, log: log.text() }, [vc.password, smb.password, full.password]);
    });
  });
});

// ------------------------------------------------------------------------------------------------
// The provider host killed in the middle of an OsLayer create, then run again (harness + host)
// ------------------------------------------------------------------------------------------------
describe("the provider host killed in the middle of a create, then run again", () => {
  let sim: ElmSim;
  let shareDir: string;
  let stateDir: string;
  const hosts: DynamicProviderHost[] = [];
  const hostLog: string[] = [];
  const LAYER = "Killed Host OS";

  const program = (): Program => [
    resource(
      trampoline("osLayer"),
      "layer",
      { name: LAYER, connector: "vSphere", ovfPath: "exports/win2019/win2019.ovf", version: "1.0", createTimeout: 1 },
      { module: "applayering", type: "OsLayer" },
    ),
  ];

  async function startHost(): Promise<{ host: DynamicProviderHost; engine: Engine }> {
    const host = await DynamicProviderHost.start({
      cwd: repoRoot,
      project: "reliability",
      stack: "faults",
      config: {
        "applayering:elmAddress": sim.url,
        "applayering:elmUser": sim.user,
        "applayering:elmPassword": secret(ELM_PASSWORD),
      },
      env: { APPLAYERING_POLL_INTERVAL_MS: "20", APPLAYERING_ELM_PASSWORD: "", APPLAYERING_ELM_ADDRESS: "" },
      onLine: (l) => hostLog.push(l.text),
    });
    hosts.push(host);
    return { host, engine: new Engine({ host, stateFile: path.join(stateDir, "state.json"), passphrase: "reliability" }) };
  }

  beforeAll(async () => {
    shareDir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-host-share-"));
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-host-state-"));
    fs.mkdirSync(path.join(shareDir, "exports/win2019"), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, "win2019-bios.ovf"), path.join(shareDir, "exports/win2019/win2019.ovf"));
    fs.copyFileSync(path.join(FIXTURES, "win2019-disk-0.vmdk"), path.join(shareDir, "exports/win2019/win2019-disk-0.vmdk"));
    sim = await startElmSim({ clockSpeed: 5, password: ELM_PASSWORD, fileShares: [{ uncPath: "\\\\127.0.0.1\\layers", localDir: shareDir }] });
  });

  afterAll(async () => {
    await Promise.allSettled(hosts.map((h) => h.close()));
    await sim?.stop();
    fs.rmSync(shareDir, { recursive: true, force: true });
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("the new host adopts the layer in flight instead of importing a second one", async () => {
    const first = await startHost();
    const pending = first.engine.up(program()).then(
      () => undefined,
      (e: unknown) => e,
    );
    // The import is under way: the ELM has the layer, its task runs, the host waits on it.
    await until(() => sim.layers().some((l) => l.name === LAYER) && hostLog.some((l) => /importing \(layer \d+, ELM task \d+\)/.test(l)), 20_000, "the import to start");
    process.kill(first.host.pid!, "SIGKILL");
    const err = await pending;
    expect(err).toBeInstanceOf(OperationError);
    expect(first.engine.resource("layer")).toBeUndefined(); // the create never returned: nothing recorded
    expect(sim.tickets().filter((t) => t.kind === "ImportOs" && !["Complete", "Failed", "Canceled", "DoneWithErrors"].includes(t.state))).toHaveLength(1);

    sim.setClockSpeed(500);
    const second = await startHost();
    await second.engine.up(program());
    const layers = sim.layers().filter((l) => l.name === LAYER);
    expect(layers).toHaveLength(1);
    expect(layers[0].revisions.map((r) => `${r.versionName}:${r.state}`)).toEqual(["1.0:Deployable"]);
    expect(sim.requestCounts().ImportOs).toBe(1);
    expect(second.engine.resource("layer")?.id).toBe(String(layers[0].id));
    expect(hostLog.some((l) => l.includes(`adopting existing layer ${layers[0].id}`))).toBe(true);
    // And a third up has nothing to do.
    expect((await second.engine.up(program())).steps.every((s) => s.op === "same")).toBe(true);
    expectNoSecret({ state: fs.readFileSync(second.engine.stateFile, "utf8"), hostLog: hostLog.join("\n") }, [ELM_PASSWORD]);
  });
});
