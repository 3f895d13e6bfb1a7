/**
 * The fault matrix, vSphere and the file share: one `describe` per fault, against the vcsim launcher (through a proxy that withholds, slows or cuts), smbd and a man in the middle in front of it.
 * Each row drives the reconcilers as the engine would (`up` in helpers.ts: create, or diff +
 * update after a partial failure) and asserts the outcome AND the invariants:
 *   - the re-run succeeds, or the error is clear (what failed and what to do);
 *   - no duplicate layer, version or VM;
 *   - no half-written export published (the final folder is absent or complete);
 *   - the user's pre-existing objects are intact;
 *   - no password in errors, recorded state or the provider log (stderr).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as osMachineModule from "../../../provider/osMachine";
import * as ovfExportModule from "../../../provider/ovfExport";
import { VimClient, destroyVm, findByInventoryPath, powerOff, powerOn, readVm, retrieveProperties } from "../../../provider/vsphere";
import { el } from "../../../provider/soap";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { Cmd, command, forgeWriteAck, isSmb2, startMitm } from "../../../sim/smbd/mitm";
import { startVcsim, Vcsim } from "../../../sim/vcsim/launch";
import { Recorded, StderrLog, expectClearError, expectNoSecret, publishedExportState, setEnv, strayEntries, startVsphereProxy, until, up, vmsNamed, VsphereProxy } from "./helpers";
import { engineView } from "../../harness/reconciler";

const osMachine = engineView(osMachineModule);
const ovfExport = engineView(ovfExportModule);

const log = new StderrLog();

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
    [vc, smb, full] = await Promise.all([startVcsim({ vms: 1, leaseTimeoutSeconds: 3, leaseInitMs: 50 }), startSmbd(), startSmbd({ maxFileSizeKiB: 2048 })]);
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
    it("the disk was whole when the lease timed out: a second lease gives the manifest, and the export is published in one up", async () => {
      proxy.withholdKeepAlive = true;
      proxy.nfcBytesPerSecond = 1 << 20; // 8 s of transfer against a 3 s lease (short leases flake on a loaded machine)
      const leasesBefore = proxy.leases.length;
      const first = await up(ovfExport, undefined, exportArgs("lease-timeout"));
      keep("lease-timeout", first);
      expect(first.error).toBeUndefined();
      expect(publishedExportState(smb.dir, "exports", "lease-timeout")).toBe("complete");
      // The first lease timed out; the second was taken for the manifest and completed.
      expect(proxy.leases.length - leasesBefore).toBe(2);
      expect(await leaseState(proxy.leases[leasesBefore])).toBe("error");
      expect(await leaseState(proxy.leases[leasesBefore + 1])).toBe("done");
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