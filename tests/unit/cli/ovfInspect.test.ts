import { createHash } from "crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { formatManifest } from "../../../provider/ovf";
import { BuiltCli, RunResult } from "./builtCli";
import { descriptorFor, GIB, qemuVmdk } from "../ovf/qemuVmdk";

const FIXTURES = join(__dirname, "..", "..", "fixtures", "ovf");
const fx = (...p: string[]) => join(FIXTURES, ...p);

let cli: BuiltCli;
let dir: string;

beforeAll(() => {
  cli = BuiltCli.build();
});
afterAll(() => cli?.dispose());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ovf-inspect-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** One line on stderr, no stack trace. */
function expectCleanFailure(r: RunResult, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toMatch(/^applayering: /);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).toMatch(pattern);
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/**
 * A folder like a vSphere export: descriptor, disk (a streamOptimized VMDK of the descriptor's
 * 60 GB, made by qemu-img) and (optionally) a SHA-256 manifest.
 */
function exportFolder(descriptor: string, withManifest: boolean): string {
  const ovf = join(dir, "win2019.ovf");
  const disk = qemuVmdk(join(dir, "win2019-disk-0.vmdk"), 60 * GIB, { dataBytes: 200_000 });
  descriptorFor(fx(descriptor), ovf, disk);
  if (withManifest) {
    writeFileSync(join(dir, "win2019.mf"), formatManifest([
      { name: "win2019-disk-0.vmdk", sha256: sha256(join(dir, "win2019-disk-0.vmdk")) },
      { name: "win2019.ovf", sha256: sha256(ovf) },
    ]));
  }
  return ovf;
}

describe("applayering ovf inspect (built CLI)", () => {
  it("exits 0 with a readable summary for a fit vSphere export", () => {
    const r = cli.run(["ovf", "inspect", exportFolder("win2019-bios.ovf", false)]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Guest\s+windows9Server64Guest/);
    expect(r.stdout).toMatch(/NICs\s+VmxNet3 on "VM Network"/);
    expect(r.stdout).toMatch(/Disk\s+vmdisk1 60 GB/);
    expect(r.stdout).toMatch(/File\s+win2019-disk-0\.vmdk: \d+ bytes, streamOptimized VMDK of 60 GB\n/);
    expect(r.stdout).toMatch(/Fit for an App Layering OS layer\./);
  });

  it("verifies the SHA-256 manifest beside the descriptor, and exits 1 when a file changed", () => {
    const ovf = exportFolder("win2019-bios.ovf", true);
    const ok = cli.run(["ovf", "inspect", ovf]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/Manifest\s+win2019\.mf: 2 entries \(SHA256\), hashes checked/);

    const disk = join(dir, "win2019-disk-0.vmdk");
    const bytes = readFileSync(disk);
    bytes[100] ^= 0xff;
    writeFileSync(disk, bytes);
    const bad = cli.run(["ovf", "inspect", ovf]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/MANIFEST_MISMATCH at win2019\.mf: SHA256\(win2019-disk-0\.vmdk\)/);
    expect(cli.run(["ovf", "inspect", ovf, "--no-manifest"]).status).toBe(0);
  });

  it("prints JSON with --json", () => {
    const r = cli.run(["ovf", "inspect", "--json", exportFolder("win2019-efi.ovf", false)]);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.fit).toBe(false);
    expect(report.problems.map((p: { code: string }) => p.code)).toEqual(["EFI_FIRMWARE"]);
    expect(report.descriptor.virtualSystem.firmware).toBe("efi");
    const size = statSync(join(dir, "win2019-disk-0.vmdk")).size;
    expect(report.files).toEqual([{ id: "file1", href: "win2019-disk-0.vmdk", size, presentSize: size, vmdk: { kind: "streamOptimized", capacityBytes: 60 * GIB } }]);
    expect(report.manifest).toBeNull();
  });

  it("exits 1 listing every problem of the genuine ovftool descriptor", () => {
    const r = cli.run(["ovf", "inspect", fx("ganeti", "corrupted_resources.ovf")]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/Not fit for an App Layering OS layer: 3 problems/);
    for (const code of ["NIC_NOT_VMXNET3", "GUEST_NOT_WINDOWS", "FILE_MISSING"]) expect(r.stdout).toContain(code);
    expect(r.stdout).toMatch(/E1000; App Layering needs VMXNet3/);
  });

  it("takes the max layer size into account", () => {
    const pv = fx("win2019-pvscsi-e1000e.ovf");
    expect(cli.run(["ovf", "inspect", pv]).stdout).toContain("DISK_TOO_LARGE");
    const bigger = cli.run(["ovf", "inspect", pv, "--max-layer-size", "250"]);
    expect(bigger.status).toBe(1);
    expect(bigger.stdout).not.toContain("DISK_TOO_LARGE");
    expect(bigger.stdout).toContain("PARAVIRTUAL_SCSI");
    expectCleanFailure(cli.run(["ovf", "inspect", pv, "--max-layer-size", "lots"]), /--max-layer-size must be a positive number/);
  });

  it("accepts the export folder when it holds exactly one .ovf", () => {
    exportFolder("win2019-bios.ovf", true);
    const r = cli.run(["ovf", "inspect", dir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/OVF\s+.*win2019\.ovf/);
    copyFileSync(fx("win2019-efi.ovf"), join(dir, "other.ovf"));
    expectCleanFailure(cli.run(["ovf", "inspect", dir]), /holds several descriptors \(other\.ovf, win2019\.ovf\)/);
  });

  it("reads a UTF-16 descriptor", () => {
    const ovf = exportFolder("win2019-bios.ovf", false);
    const text = readFileSync(ovf, "utf8").replace('encoding="UTF-8"', 'encoding="UTF-16"');
    writeFileSync(ovf, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
    expect(cli.run(["ovf", "inspect", ovf]).status).toBe(0);
  });

  it("exits 1 for ganeti.ovf, whose disk lacks ovf:capacity, with that among its findings", () => {
    const r = cli.run(["ovf", "inspect", fx("ganeti", "ganeti.ovf")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/DISK_CAPACITY_UNKNOWN at DiskSection\/Disk\[vmdisk1\]@ovf:capacity: ovf:capacity is missing/);
    expect(r.stdout).toContain("NIC_NOT_VMXNET3");
  });

  it("exits 2 with one clear line for malformed XML, a missing file, a disk given as descriptor", () => {
    expectCleanFailure(cli.run(["ovf", "inspect", fx("ganeti", "wrong_xml.ovf")]), /wrong_xml\.ovf: the descriptor is not well-formed XML/);
    expectCleanFailure(cli.run(["ovf", "inspect", join(dir, "absent.ovf")]), /absent\.ovf: no such file/);
    expectCleanFailure(cli.run(["ovf", "inspect", fx("win2019-disk-0.vmdk")]), /not well-formed XML/);
    expectCleanFailure(cli.run(["ovf", "inspect", dir]), /is a folder without an \.ovf descriptor/);
  });

  it("exits 1 naming the disk file when the disk is not what the descriptor says: cut short, other capacity, raw bytes", () => {
    const ovf = exportFolder("win2019-bios.ovf", false);
    const disk = join(dir, "win2019-disk-0.vmdk");
    const size = statSync(disk).size;
    truncateSync(disk, size - 100);
    const cut = cli.run(["ovf", "inspect", ovf]);
    expect(cut.status).toBe(1);
    expect(cut.stdout).toMatch(/VMDK_TRUNCATED at DiskSection\/Disk\[vmdisk1\]: win2019-disk-0\.vmdk: .*cut short/);
    expect(cut.stdout).toMatch(/FILE_SIZE_MISMATCH/);

    qemuVmdk(disk, 40 * GIB);
    descriptorFor(fx("win2019-bios.ovf"), ovf, disk);
    const other = cli.run(["ovf", "inspect", ovf]);
    expect(other.status).toBe(1);
    expect(other.stdout).toMatch(/VMDK_CAPACITY_MISMATCH at DiskSection\/Disk\[vmdisk1\]: win2019-disk-0\.vmdk: its header says a capacity of 42949672960 bytes but the descriptor says 64424509440/);

    // The repository's stand-in disk: random bytes behind a KDMV magic.
    copyFileSync(fx("win2019-disk-0.vmdk"), disk);
    descriptorFor(fx("win2019-bios.ovf"), ovf, disk);
    const fake = cli.run(["ovf", "inspect", ovf]);
    expect(fake.status).toBe(1);
    // A header of noise is one finding, not a format and a capacity finding as well.
    expect(fake.stdout).toMatch(/Not fit for an App Layering OS layer: 1 problem\n  - VMDK_MALFORMED at DiskSection\/Disk\[vmdisk1\]: win2019-disk-0\.vmdk: its header \(version \d+/);
  });

  it("reports a malformed manifest as a problem of the package (exit 1)", () => {
    const ovf = exportFolder("win2019-bios.ovf", false);
    writeFileSync(join(dir, "win2019.mf"), "MD5(win2019.ovf)= 00\n");
    const r = cli.run(["ovf", "inspect", ovf]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/MANIFEST_MALFORMED at win2019\.mf: manifest line 1/);
  });

  it("for a share path, asks for credentials, fails cleanly and never prints the password", () => {
    // port 1 on loopback: nothing listens, the connection is refused at once
    const unc = "\\\\127.0.0.1:1\\layers\\win2019\\win2019.ovf";
    expectCleanFailure(cli.run(["ovf", "inspect", unc]), /set APPLAYERING_SHARE_USER and APPLAYERING_SHARE_PASSWORD/);
    const password = "S3cret-pa55";
    const r = cli.run(["ovf", "inspect", unc], {
      env: { APPLAYERING_SHARE_USER: "svc", APPLAYERING_SHARE_PASSWORD: password, APPLAYERING_SHARE_DOMAIN: "LAB" },
    });
    expectCleanFailure(r, /127\.0\.0\.1/);
    expect(r.stdout + r.stderr).not.toContain(password);
    expectCleanFailure(cli.run(["ovf", "inspect", "\\\\hostonly"]), /names no share/);
  });
});

describe("applayering dispatcher (built CLI)", () => {
  it("prints usage and exits 2 without arguments or for an unknown command", () => {
    const none = cli.run([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/usage: applayering <group> <command>/);
    expect(none.stderr).toMatch(/ovf inspect/);
    const unknown = cli.run(["ovf", "export"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "ovf export"/);
    expect(cli.run(["nosuch"]).stderr).toMatch(/unknown command group "nosuch"/);
  });

  it("--help exits 0 on stdout, for the tool and for a command", () => {
    const top = cli.run(["--help"]);
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/commands:\n  ovf inspect/);
    const cmd = cli.run(["ovf", "inspect", "--help"]);
    expect(cmd.status).toBe(0);
    expect(cmd.stdout).toMatch(/Exit status: 0 fit/);
  });

  it("rejects unknown options and extra arguments with usage, exit 2", () => {
    const r = cli.run(["ovf", "inspect", "--frobnicate", fx("win2019-bios.ovf")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown option --frobnicate/);
    expect(cli.run(["ovf", "inspect", "a.ovf", "b.ovf"]).stderr).toMatch(/expected one path/);
  });
});
