/**
 * `ovf inspect` over descriptors real exporters wrote (vCenter 2009–2019, ESX, ovftool 3.5–4.3,
 * ova-compose, vCloud Director, VirtualBox), read from ../shared/fixtures/ovf-real (see its
 * SOURCES.md). Their disks are not included, so every referenced file is FILE_MISSING; the rest
 * of each verdict is what the descriptor says.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { localAccess } from "../../../cli/fileAccess";
import { CliError } from "../../../cli/io";
import { inspect, InspectReport } from "../../../cli/ovfInspect";
import { OvfVirtualSystem } from "../../../provider/ovf";
import { sharedPath } from "../ovf/sharedFixtures";
import { BuiltCli } from "./builtCli";

const DIR = sharedPath("fixtures", "ovf-real");
const real = (name: string) => join(DIR, name);

interface Verdict {
  exit: 0 | 1 | 2;
  /** Problem codes in report order (exit 1), or the one-line error (exit 2). */
  problems?: string[];
  error?: RegExp;
  /** What the model must have read. */
  vm?: Partial<OvfVirtualSystem>;
  nics?: string[];
  controllers?: string[];
  diskGb?: number[];
  check?: (r: InspectReport) => void;
}

const NIC = "NIC_NOT_VMXNET3", PV = "PARAVIRTUAL_SCSI", EFI = "EFI_FIRMWARE", NOTWIN = "GUEST_NOT_WINDOWS";
const BIG = "DISK_TOO_LARGE", MISSING = "FILE_MISSING";
const GB = 2 ** 30;

const TABLE: Record<string, Verdict> = {
  "centos64-vbox-ovf10.ovf": {
    exit: 1, problems: [NIC, NOTWIN, MISSING], nics: ["E1000 on NAT"], controllers: ["ide PIIX4", "ide PIIX4", "sata AHCI"],
    vm: { osDescription: "RedHat", firmware: "bios", memoryMb: 512 },
    check: (r) => expect(r.problems[1].where).toBe("OperatingSystemSection/Description"),
  },
  "centos8-vmx17-efi-pvscsi-nvram.ovf": { exit: 1, problems: [PV, EFI, NOTWIN, MISSING, MISSING], nics: ["VmxNet3 on VM Network"], vm: { osType: "centos8_64Guest", firmware: "efi" } },
  "esxi8-vmx20-efi-pvscsi.ovf": { exit: 1, problems: [PV, EFI, NOTWIN, MISSING], vm: { osType: "vmkernel8Guest", hardwareVersion: "vmx-20" }, diskGb: [32] },
  "nsx-vmx13-200g-deployopts.ovf": {
    exit: 1, problems: [NOTWIN, BIG, MISSING], nics: ["VmxNet3 on Network 1"], controllers: ["scsi lsilogic"], diskGb: [200, 100, 100],
    // The default deployment option ("medium"), not the last Item written (xlarge: 24 vCPU, 96 GB).
    vm: { deploymentOption: "medium", cpus: 6, memoryMb: 24576 },
    check: (r) => expect(r.descriptor.disks.filter((d) => d.fileRef === undefined).map((d) => d.diskId)).toEqual(["secondary", "disk100GB"]),
  },
  "ovf09-draft-namespace.ovf": { exit: 2, error: /pre-1\.0 draft namespace http:\/\/schemas\.dmtf\.org\/ovf\/envelope \(OVF 0\.9\)/ },
  "photon-vmx13-esx2017-e1000e.ovf": { exit: 1, problems: [NIC, NOTWIN, MISSING], nics: ["E1000e on VM Network"], vm: { osType: "vmwarePhoton64Guest", firmware: "bios" } },
  "photon5-vmx15-ovftool43-efi-pvscsi.ovf": { exit: 1, problems: [PV, EFI, NOTWIN, MISSING], nics: ["VmxNet3 on None"], controllers: ["sata vmware.sata.ahci", "scsi VirtualSCSI"] },
  "tkg-photon3-vmx17-ova-pvscsi.ovf": { exit: 1, problems: [PV, NOTWIN, MISSING], vm: { firmware: "bios", hardwareVersion: "vmx-17" } },
  "ttylinux-pc_i486-16.1.ovf": {
    // The .mf beside it is written `SHA1 (name) = hex`; its descriptor line matches. The disk is
    // missing once (FILE_MISSING), not again as a manifest finding.
    exit: 1, problems: [NIC, EFI, NOTWIN, MISSING], controllers: ["ide"], vm: { osType: "otherLinuxGuest", memoryMb: 32 },
    check: (r) => expect(r.manifest).toEqual({ name: "ttylinux-pc_i486-16.1.mf", verified: true, entries: 2, algorithms: ["SHA1"] }),
  },
  "ubuntu1604-vbox-ovf20.ovf": {
    // OVF 2.0 with the epasd/sasd namespaces written with a trailing .xsd: the NIC is found.
    exit: 1, problems: [NIC, NOTWIN, MISSING], nics: ["E1000 on Bridged"], controllers: ["ide PIIX4", "ide PIIX4", "scsi lsilogic"],
    vm: { osDescription: "Ubuntu", cpus: 2, memoryMb: 923 }, diskGb: [10],
  },
  "vcf-license-vmx13-ovacompose-efi.ovf": { exit: 1, problems: [EFI, NOTWIN, MISSING, MISSING], diskGb: [4, 4, 4], controllers: ["ide", "scsi lsilogic"] },
  "win10-rasd-local-ns-efi.ovf": { exit: 1, problems: [NIC, EFI, BIG, MISSING], nics: ["E1000e on bridged"], controllers: ["sata vmware.sata.ahci", "scsi lsilogicsas"], vm: { cpus: 4, memoryMb: 6144 } },
  "win10-vmx11-ovftool41-128g.ovf": { exit: 1, problems: [NIC, BIG, MISSING], diskGb: [128], vm: { osType: "windows9_64Guest", firmware: "bios" } },
  "win2003-vmx07-vc2009-crlf-e1000.ovf": {
    exit: 1, problems: [NIC, MISSING], vm: { osType: "winNetEnterpriseGuest" },
    check: (r) => expect(r.files.map((f) => f.href)).toEqual(["w2k3 32bit-disk1.vmdk"]),
  },
  "win2003-vmx07-vc2011-pvscsi-2disk.ovf": { exit: 1, problems: [NIC, PV, MISSING, MISSING], controllers: ["scsi VirtualSCSI", "ide", "ide"], diskGb: [1, 1] },
  "win2008r2-vmx07-vc2010-iso-2disk.ovf": { exit: 1, problems: [NIC, MISSING, MISSING, MISSING], diskGb: [2, 2] },
  "win2008r2-vmx10-450g-2disk.ovf": { exit: 1, problems: [NIC, BIG, MISSING, MISSING], diskGb: [50, 450], check: (r) => expect(r.problems[1].where).toBe("DiskSection/Disk[vmdisk2]") },
  "win2008r2-vmx10-ovftool35-sata.ovf": { exit: 1, problems: [NIC, MISSING], controllers: ["sata vmware.sata.ahci", "scsi lsilogicsas"], diskGb: [40] },
  "win2008r2-vmx11-ovftool41-2disk.ovf": { exit: 1, problems: [NIC, MISSING, MISSING], diskGb: [40, 1] },
  "win2012-vmx14-vc2019-nvram-iso.ovf": {
    exit: 1, problems: [NIC, MISSING, MISSING, MISSING], vm: { osType: "windows8Server64Guest", firmware: "bios" },
    check: (r) => expect(r.files.map((f) => f.href)).toEqual(["new_vm_nvram_iso-file1.iso", "new_vm_nvram_iso-disk1.vmdk", "new_vm_nvram_iso-file2.nvram"]),
  },
  "win2016-ovftool-vapp-chunked.ovf": {
    exit: 1, problems: [NIC, MISSING], nics: ["E1000E on none"], vm: { id: "testvm1", osType: "windows9Server64Guest" },
    check: (r) => {
      expect(r.descriptor.collection).toEqual({ id: "template_with_custom_chunk_size", name: "template_with_custom_chunk_size" });
      expect(r.files[0].chunkSize).toBe(40960);
      expect(r.problems[1].message).toMatch(/stored in chunks of 40960 bytes: template_with_custom_chunk_size-disk1\.vmdk\.000000000/);
    },
  },
  "win2016-vcd-vapp-collection.ovf": {
    exit: 1, problems: [NIC, MISSING], nics: ["E1000E on none"], controllers: ["scsi lsilogicsas", "ide"], vm: { id: "testvm1", firmware: "bios", memoryMb: 4 },
    check: (r) => expect(r.descriptor.collection).toEqual({ id: "test_vapp_template", name: "test_vapp_template" }),
  },
  "win2019-vmx19-efi-e1000e.ovf": { exit: 1, problems: [NIC, EFI, MISSING], nics: ["E1000E on VM Network"], vm: { osType: "windows2019srv_64Guest" } },
  "win2019-vmx21-efi-vgpu-2nic.ovf": { exit: 1, problems: [NIC, NIC, EFI, MISSING], nics: ["E1000E on VM Network", "E1000E on VM Network"], vm: { hardwareVersion: "vmx-21" } },
  "win8-vmx08-vc2014-2nic-e1000e.ovf": { exit: 1, problems: [NIC, NIC, MISSING], nics: ["E1000e on VM Network", "E1000e on InternalNetwork"] },
  "winxp-vmx04-buslogic-pcnet.ovf": { exit: 1, problems: [NIC, MISSING], nics: ["PCNet32 on VM Network"], controllers: ["scsi buslogic", "ide", "ide"] },
  "xxe-external-entity.ovf": { exit: 2, error: /has a DOCTYPE; DOCTYPE and entities are refused/ },
  "yvm-vmx08-vc2015-mb-units.ovf": { exit: 1, problems: [NIC, NOTWIN, MISSING], controllers: ["ide", "ide"], check: (r) => expect(r.descriptor.disks[0].capacityBytes).toBe(64 * 2 ** 20) },
};

async function run(file: string): Promise<{ exit: 0 | 1 | 2; report?: InspectReport; error?: string }> {
  try {
    const report = await inspect(localAccess, real(file), { maxLayerSizeGb: 100, verifyManifest: true });
    return { exit: report.fit ? 0 : 1, report };
  } catch (err) {
    if (err instanceof CliError) return { exit: 2, error: err.message };
    throw err;
  }
}

describe("ovf inspect: verdicts on real exporters' descriptors (../shared/fixtures/ovf-real)", () => {
  it("has a verdict for every descriptor there (28)", () => {
    const present = readdirSync(DIR).filter((n) => n.endsWith(".ovf")).sort();
    expect(present).toHaveLength(28);
    expect(Object.keys(TABLE).sort()).toEqual(present);
  });

  it.each(Object.keys(TABLE))("%s", async (file) => {
    const want = TABLE[file];
    const got = await run(file);
    expect({ file, exit: got.exit, error: got.error }).toMatchObject({ file, exit: want.exit });
    if (want.exit === 2) {
      expect(got.error).toMatch(want.error!);
      expect(got.error).not.toMatch(/not well-formed|several virtual machines/);
      return;
    }
    const r = got.report!;
    expect(r.problems.map((p) => p.code)).toEqual(want.problems);
    const vs = r.descriptor.virtualSystem;
    if (want.vm) expect(vs).toMatchObject(want.vm);
    if (want.nics) expect(vs.nics.map((n) => [n.type, n.network].filter(Boolean).join(" on "))).toEqual(want.nics);
    if (want.controllers) expect(vs.controllers.map((c) => [c.kind, c.subtype].filter(Boolean).join(" "))).toEqual(want.controllers);
    if (want.diskGb) expect(r.descriptor.disks.map((d) => (d.capacityBytes ?? NaN) / GB)).toEqual(want.diskGb);
    want.check?.(r);
  });
});

describe("ovf inspect CLI on real exporters' descriptors", () => {
  let cli: BuiltCli;
  let dir: string;
  beforeAll(() => {
    cli = BuiltCli.build();
  });
  afterAll(() => cli?.dispose());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ovf-real-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("checks the one VM of a vCloud Director vApp and says it is one", () => {
    const r = cli.run(["ovf", "inspect", real("win2016-vcd-vapp-collection.ovf")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/vApp\s+test_vapp_template \(VirtualSystemCollection holding this one VM\)/);
    expect(r.stdout).toMatch(/Guest\s+windows9Server64Guest/);
    expect(r.stdout).toMatch(/NIC_NOT_VMXNET3 .*E1000E/);
  });

  it("names the collection and its VMs when a vApp holds several", () => {
    const text = readFileSync(real("win2016-vcd-vapp-collection.ovf"), "utf8");
    const vm = /<ovf:VirtualSystem ovf:id="testvm1">[\s\S]*?<\/ovf:VirtualSystem>/.exec(text)![0];
    const two = text.replace(vm, `${vm}\n${vm.replace('ovf:id="testvm1"', 'ovf:id="testvm2"')}`);
    writeFileSync(join(dir, "two.ovf"), two);
    const r = cli.run(["ovf", "inspect", join(dir, "two.ovf")]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/VirtualSystemCollection "test_vapp_template"\) holding 2 virtual machines \(testvm1, testvm2\); an OS layer is made from exactly one VM/);
  });

  it("finds the NIC of VirtualBox's OVF 2.0 (namespaces ending in .xsd)", () => {
    const r = cli.run(["ovf", "inspect", real("ubuntu1604-vbox-ovf20.ovf")]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/NICs\s+E1000 on "Bridged"/);
    expect(r.stdout).not.toContain("NO_NIC");
    expect(r.stdout).toMatch(/Guest\s+Ubuntu \(no vmw:osType\)/);
  });

  it("refuses the DOCTYPE by name, in one line", () => {
    const r = cli.run(["ovf", "inspect", real("xxe-external-entity.ovf")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/DOCTYPE and entities are refused/);
    expect(r.stderr).not.toMatch(/well-formed|comm/);
  });

  it("reads the ttylinux manifest (SHA1 (name) = hex) and checks the descriptor's hash", () => {
    copyFileSync(real("ttylinux-pc_i486-16.1.ovf"), join(dir, "ttylinux-pc_i486-16.1.ovf"));
    copyFileSync(real("ttylinux-pc_i486-16.1.mf"), join(dir, "ttylinux-pc_i486-16.1.mf"));
    const ok = cli.run(["ovf", "inspect", join(dir, "ttylinux-pc_i486-16.1.ovf")]);
    expect(ok.status).toBe(1);
    expect(ok.stdout).toMatch(/Manifest\s+ttylinux-pc_i486-16\.1\.mf: 2 entries \(SHA1\), hashes checked/);
    expect(ok.stdout).not.toMatch(/MANIFEST_/);
    writeFileSync(join(dir, "ttylinux-pc_i486-16.1.ovf"), readFileSync(join(dir, "ttylinux-pc_i486-16.1.ovf"), "utf8").replace("ttylinux", "ttyLinux"));
    expect(cli.run(["ovf", "inspect", join(dir, "ttylinux-pc_i486-16.1.ovf")]).stdout).toMatch(/MANIFEST_MISMATCH at ttylinux-pc_i486-16\.1\.mf: SHA1\(ttylinux-pc_i486-16\.1\.ovf\)/);
  });

  it("finds a chunked file by its chunks and checks their total against ovf:size", () => {
    const name = "template_with_custom_chunk_size-disk1.vmdk";
    copyFileSync(real("win2016-ovftool-vapp-chunked.ovf"), join(dir, "vapp.ovf"));
    // ovf:size 68096 in chunks of 40960 bytes: two chunk files.
    writeFileSync(join(dir, `${name}.000000000`), Buffer.alloc(40960));
    writeFileSync(join(dir, `${name}.000000001`), Buffer.alloc(68096 - 40960));
    const whole = cli.run(["ovf", "inspect", join(dir, "vapp.ovf")]);
    expect(whole.status).toBe(1);
    expect(whole.stdout).toMatch(new RegExp(`File\\s+${name.replace(/\./g, "\\.")} \\(in chunks of 40960 bytes\\): 68096 bytes\n`));
    expect(whole.stdout).not.toContain("FILE_");
    rmSync(join(dir, `${name}.000000001`));
    expect(cli.run(["ovf", "inspect", join(dir, "vapp.ovf")]).stdout).toMatch(/FILE_SIZE_MISMATCH .* is 40960 bytes but the descriptor says 68096/);
  });

  it("reports a disk without ovf:capacity as one finding among the others (exit 1)", () => {
    const text = readFileSync(real("win2008r2-vmx10-450g-2disk.ovf"), "utf8");
    const noCapacity = text.replace('<Disk ovf:capacity="450" ovf:capacityAllocationUnits="byte * 2^30" ovf:diskId="vmdisk2"', '<Disk ovf:capacityAllocationUnits="byte * 2^30" ovf:diskId="vmdisk2"');
    expect(noCapacity).not.toBe(text);
    writeFileSync(join(dir, "two-disks.ovf"), noCapacity);
    const r = cli.run(["ovf", "inspect", "--json", join(dir, "two-disks.ovf")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.problems.map((p: { code: string }) => p.code)).toEqual([NIC, "DISK_CAPACITY_UNKNOWN", MISSING, MISSING]);
    expect(report.problems[1].where).toBe("DiskSection/Disk[vmdisk2]@ovf:capacity");
    expect(report.problems[1].message).toMatch(/ovf:capacity is missing/);
    expect(cli.run(["ovf", "inspect", join(dir, "two-disks.ovf")]).stdout).toMatch(/Disk\s+vmdisk2 capacity unknown \(disk2\.vmdk/);
  });
});
