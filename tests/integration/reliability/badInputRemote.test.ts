/**
 * Bad input that check() cannot see, because only vSphere, the share or the ELM knows it: an
 * unknown connector, share or icon, a layer size the connector refuses, an OVF that is missing or
 * fails the ELM's validation, inventory paths that do not exist. One row per mistake; each must be
 * refused before any side effect, with a message that names the field and the fix, and nothing
 * created (no layer, no VM, no folder on the share). The local mistakes are in
 * tests/unit/reliability/badInput.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as osLayerModule from "../../../provider/osLayer";
import * as osMachineModule from "../../../provider/osMachine";
import * as ovfExportModule from "../../../provider/ovfExport";
import { ElmClient, editLayerArgsFrom } from "../../../provider/elm";
import { VimClient, cloneVm, datacenterFolders, findByInventoryPath, listObjects, readVm, reconfigureVm } from "../../../provider/vsphere";
import { ElmSim, startElmSim } from "../../../sim/elm";
import { startSmbd, SmbdInstance } from "../../../sim/smbd";
import { startVcsim, Vcsim } from "../../../sim/vcsim/launch";
import { Reconciler, checked, setEnv } from "./helpers";
import { engineView } from "../../harness/reconciler";

const osLayer = engineView(osLayerModule);
const osMachine = engineView(osMachineModule);
const ovfExport = engineView(ovfExportModule);

type Resource = "OsMachine" | "OvfExport" | "OsLayer";
type Row = [Resource, Record<string, unknown>, string, RegExp];

const FIXTURES = path.join(__dirname, "../../fixtures/ovf");

// prettier-ignore
const TABLE: Row[] = [
  // resource     inputs (patched onto the valid ones)                               field                  what the message must say (the fix)
  ["OsLayer",   { name: "Quoted Mark OS" },                                         "name",               /already exists in the ELM \(id \d+\) and its audit history holds no ownership mark of this stack for it.*set adoptExisting: true/],
  ["OsLayer",   { connector: "Hyper-V" },                                           "connector",          /no platform connector configuration named 'Hyper-V'.*known: 'vSphere'.*use one of the known names/],
  ["OsLayer",   { fileShare: "\\\\nas\\missing" },                                   "fileShare",          /no file share '\\\\nas\\missing'.*known: .*configure the share/],
  ["OsLayer",   { icon: "4242" },                                                   "icon",               /no icon 4242: use one of 196608.*or leave icon unset/],
  ["OsLayer",   { maxLayerSizeGb: 5 },                                              "maxLayerSizeGb",     /5 GB is outside what connector 'vSphere' allows \(10 to 2048 GB\): set maxLayerSizeGb within/],
  ["OsLayer",   { ovfPath: "exports/nothing-here/none.ovf" },                       "ovfPath",            /was not found on the network file share.*export it again \(OvfExport\)/],
  ["OsLayer",   { ovfPath: "bad/wrong_xml.ovf" },                                   "ovfPath",            /not a valid OVF descriptor.*export it again/],
  ["OsLayer",   { ovfPath: "bad/e1000e/win2019.ovf" },                              "ovfPath",            /E1000e? network adapter.*VMXNet3.*export it again/i],
  ["OsLayer",   { ovfPath: "bad/nodisk/win2019.ovf" },                              "ovfPath",            /disk file 'win2019-disk-0\.vmdk' .* was not found.*export it again/],

  ["OsMachine", { datacenter: "DC9" },                                              "datacenter",         /no datacenter at inventory path "DC9".*check the datacenter and folder names/],
  ["OsMachine", { folder: "Layers/Nope" },                                          "folder",             /no VM folder \(OsMachine\.folder\) at inventory path "DC0\/vm\/Layers\/Nope"/],
  ["OsMachine", { datastore: "NoSuchDS" },                                          "datastore",          /no datastore \(OsMachine\.datastore\) at inventory path "DC0\/datastore\/NoSuchDS"/],
  ["OsMachine", { network: "Lab Net" },                                             "network",            /no network \(OsMachine\.network\) at inventory path "DC0\/network\/Lab Net"/],
  ["OsMachine", { resourcePool: "DC0/host/Nope/Resources" },                        "resourcePool",       /no resource pool \(OsMachine\.resourcePool\) at inventory path/],
  ["OsMachine", { template: "DC0/vm/Templates/win2022" },                           "template",           /no template \(OsMachine\.template\) at inventory path "DC0\/vm\/Templates\/win2022"/],
  ["OsMachine", { name: "marked-foreign" },                                         "name",               /already exists at DC0\/vm\/marked-foreign and its notes hold no ownership mark of this stack for it.*set adoptInventoryPath: "DC0\/vm\/marked-foreign"/],
  ["OsMachine", { adoptInventoryPath: "DC0/vm/old-gold" },                          "adoptInventoryPath", /no VM to adopt \(OsMachine\.adoptInventoryPath\) at inventory path "DC0\/vm\/old-gold"/],

  ["OvfExport", { vmMoref: undefined, vmInventoryPath: "DC0/vm/ghost" },            "vmInventoryPath",    /no VM to export \(OvfExport\.vmInventoryPath\) at inventory path "DC0\/vm\/ghost"/],
  ["OvfExport", { vmMoref: "vm-9999" },                                             "vmMoref",            /VM vm-9999 no longer exists in vSphere: run `pulumi refresh`.*or point the export at another VM/],
  ["OvfExport", { shareFolder: "SHARE\\nosuchshare\\exports" },                      "shareFolder",        /cannot be opened .*check the server, port and share name/],
];

let sim: ElmSim;
let vc: Vcsim;
let smb: SmbdInstance;
let vim: VimClient;
let elmShare: string;
let restoreEnv: () => void;

const valid = (resource: Resource): Record<string, unknown> =>
  ({
    OsMachine: { name: "remote-bad-os", datacenter: "DC0", datastore: "LocalDS_0", network: "VM Network", diskGb: 1 },
    OvfExport: { vmMoref: "vm-REPLACED", shareFolder: `${smb.unc}\\exports`, name: "remote-bad" },
    OsLayer: { name: "Remote Bad OS", connector: "vSphere", ovfPath: "exports/win2019/win2019.ovf", version: "1.0", createTimeout: 0.5 },
  })[resource];

const RECONCILER: Record<Resource, Reconciler> = { OsMachine: osMachine, OvfExport: ovfExport, OsLayer: osLayer };

/** Everything a refused operation must not have changed. */
async function world(): Promise<Record<string, unknown>> {
  const vms = (await listObjects(vim, "VirtualMachine", ["name"])).map((v) => String(v.props.name)).sort();
  const exportsDir = path.join(smb.dir, "exports");
  const share = fs.existsSync(exportsDir) ? fs.readdirSync(exportsDir).sort() : [];
  return { layers: sim.layers().map((l) => l.name).sort(), tickets: sim.tickets().length, audit: sim.auditLog().length, vms, share };
}

function copyFixture(rel: string, from: string): void {
  fs.mkdirSync(path.dirname(path.join(elmShare, rel)), { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, from), path.join(elmShare, rel));
}

beforeAll(async () => {
  elmShare = fs.mkdtempSync(path.join(os.tmpdir(), "bad-remote-elm-share-"));
  copyFixture("exports/win2019/win2019.ovf", "win2019-bios.ovf");
  copyFixture("exports/win2019/win2019-disk-0.vmdk", "win2019-disk-0.vmdk");
  copyFixture("bad/wrong_xml.ovf", "ganeti/wrong_xml.ovf");
  copyFixture("bad/e1000e/win2019.ovf", "win2019-pvscsi-e1000e.ovf");
  copyFixture("bad/e1000e/win2019-disk-0.vmdk", "win2019-disk-0.vmdk");
  copyFixture("bad/nodisk/win2019.ovf", "win2019-bios.ovf");
  [sim, vc, smb] = await Promise.all([
    startElmSim({ clockSpeed: 500, fileShares: [{ uncPath: "\\\\127.0.0.1\\layers", localDir: elmShare }] }),
    startVcsim({ vms: 1 }),
    startSmbd(),
  ]);
  vim = await VimClient.connect({ url: vc.url, user: vc.user, password: vc.password, tls: { ca: fs.readFileSync(vc.caCertPath) } });
  restoreEnv = setEnv({
    APPLAYERING_ELM_ADDRESS: sim.url,
    APPLAYERING_ELM_USER: sim.user,
    APPLAYERING_ELM_PASSWORD: sim.password,
    APPLAYERING_POLL_INTERVAL_MS: "20",
    VSPHERE_SERVER: vc.url,
    VSPHERE_USER: vc.user,
    VSPHERE_PASSWORD: vc.password,
    APPLAYERING_VSPHERE_THUMBPRINT: vc.thumbprint,
    APPLAYERING_SHARE_USER: smb.user,
    APPLAYERING_SHARE_PASSWORD: smb.password,
  });
  fs.mkdirSync(path.join(smb.dir, "exports"), { recursive: true });
  await seedMarkedStrangers();
});

/** A foreign VM whose notes hold the bare mark, and a foreign layer whose audit history quotes it: neither is ours. */
async function seedMarkedStrangers(): Promise<void> {
  const source = (await findByInventoryPath(vim, "DC0/vm/DC0_H0_VM0"))!;
  const folders = await datacenterFolders(vim, "DC0");
  const vm = await cloneVm(vim, source, { name: "marked-foreign", folder: folders.vmFolder, resourcePool: (await readVm(vim, source)).resourcePool }, { timeoutMs: 60_000 });
  await reconfigureVm(vim, vm, { annotation: "Managed by [pulumi-applayering]" }, { timeoutMs: 60_000 });
  const layerId = sim.seedLayer({ name: "Quoted Mark OS", versions: ["1.0"] });
  const admin = new ElmClient({ address: sim.url, user: sim.user, password: sim.password });
  await admin.login();
  await admin.editLayer({ ...editLayerArgsFrom(await admin.osLayerDetails(layerId)), comment: "[pulumi-applayering] import Quoted Mark OS 1.0" });
  await admin.logout();
}

afterAll(async () => {
  restoreEnv?.();
  await vim?.logout().catch(() => undefined);
  vim?.close();
  await Promise.allSettled([sim?.stop(), vc?.stop(), smb?.stop()]);
  if (elmShare) fs.rmSync(elmShare, { recursive: true, force: true });
});

describe("bad input only the peers can see is refused before any side effect, naming the field and the fix", () => {
  it.each(TABLE)("%s %j → %s", async (resource, patch, field, fix) => {
    const raw: Record<string, unknown> = { ...valid(resource), ...patch };
    if (raw.vmMoref === "vm-REPLACED") raw.vmMoref = (await listObjects(vim, "VirtualMachine", ["name"]))[0].obj.value;
    if (typeof raw.shareFolder === "string") raw.shareFolder = raw.shareFolder.replace(/^SHARE/, `\\\\${smb.host}:${smb.port}`);
    for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
    const inputs = await checked(RECONCILER[resource], raw); // check() has no way to know: it passes
    const before = await world();
    const err = await RECONCILER[resource].create(inputs).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(new RegExp(`(^|\\()${resource}\\.${field}(: |\\))`)); // "OsLayer.icon: …" or "no template (OsMachine.template) at …"
    expect(err!.message).toMatch(fix);
    expect(await world()).toEqual(before);
  });

  it("the valid inputs the rows start from do create (so each row fails for its own reason)", async () => {
    const vm = (await listObjects(vim, "VirtualMachine", ["name"]))[0].obj.value;
    const layer = await osLayer.create(await checked(osLayer, valid("OsLayer")));
    expect(layer.outs).toMatchObject({ revisionState: "Deployable" });
    const machine = await osMachine.create(await checked(osMachine, valid("OsMachine")));
    expect(machine.outs).toMatchObject({ managed: true, nicType: "VirtualVmxnet3", powerState: "poweredOff" });
    const exp = await ovfExport.create(await checked(ovfExport, { ...valid("OvfExport"), vmMoref: machine.id }));
    expect(exp.outs).toMatchObject({ ovfSharePath: "exports/remote-bad/remote-bad.ovf" });
    expect(vm).toMatch(/^vm-\d+$/);
  });
});
