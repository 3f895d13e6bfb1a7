/**
 * The export rig: vcsim and smbd on loopback, an OS machine made by our OsMachine reconciler
 * (VMXNet3, BIOS, powered off: what an export accepts), and its disk file resized or filled.
 */
import { randomFillSync } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as osMachineModule from "../provider/osMachine";
import { readVm, VimClient } from "../provider/vsphere";
import { startSmbd, SmbdInstance, SmbdOptions } from "../sim/smbd";
import { startVcsim, Vcsim, type VcsimOptions } from "../sim/vcsim/launch";
import { engineView } from "../tests/harness/reconciler";

const osMachine = engineView(osMachineModule);

export interface ExportRig {
  vcsim: Vcsim;
  smbd: SmbdInstance;
  /** The VM's moref value. */
  vmMoref: string;
  /** The local file behind the VM's disk, which vcsim's NFC endpoint serves. */
  diskFile: string;
  /** Where exports go: `\\host:port\layers\exports`. */
  shareFolder: string;
  /** Environment for the reconcilers (vCenter and share settings, as stack config would give). */
  env: Record<string, string>;
  /** Another OS machine with data disks of these sizes (GB) beside its 8 GB system disk; its disk files in bus order. */
  addMachine(name: string, dataDisksGb?: number[]): Promise<{ vmMoref: string; diskFiles: string[] }>;
  stop(): Promise<void>;
}

export interface RigOptions {
  /** Launcher switches beyond the rig's own (e.g. nfcRateBytesPerSecond, nfcResets). */
  vcsim?: VcsimOptions;
}

export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

export async function startExportRig(smbdOpts: SmbdOptions = {}, rigOpts: RigOptions = {}): Promise<ExportRig> {
  // No server-side manifest hashing: real vSphere hashes on the ESXi host, not on the client's
  // machine; here vcsim's hashing would take a core away from the client being measured.
  const [vcsim, smbd] = await Promise.all([startVcsim({ vms: 1, manifest: "none", ...rigOpts.vcsim }), startSmbd(smbdOpts)]);
  const env: Record<string, string> = {
    VSPHERE_SERVER: vcsim.url,
    VSPHERE_USER: vcsim.user,
    VSPHERE_PASSWORD: vcsim.password,
    APPLAYERING_VSPHERE_THUMBPRINT: vcsim.thumbprint,
    APPLAYERING_SHARE_USER: smbd.user,
    APPLAYERING_SHARE_PASSWORD: smbd.password,
  };
  const addMachine = async (name: string, dataDisksGb: number[] = []) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const disks = dataDisksGb.map((sizeGb) => ({ sizeGb }));
      const inputs = (await osMachine.check({}, { name, datacenter: "DC0", datastore: "LocalDS_0", network: "VM Network", diskGb: 8, disks, powerState: "poweredOff" })).inputs;
      const created = await osMachine.create(inputs);
      return { vmMoref: created.id, diskFiles: await diskFilesOf(vcsim, created.id) };
    } finally {
      process.env = saved;
    }
  };
  try {
    const first = await addMachine("bench-os");
    fs.mkdirSync(path.join(smbd.dir, "exports"), { recursive: true });
    return {
      vcsim,
      smbd,
      vmMoref: first.vmMoref,
      diskFile: first.diskFiles[0],
      shareFolder: `${smbd.unc}\\exports`,
      env,
      addMachine,
      async stop() {
        await Promise.allSettled([vcsim.stop(), smbd.stop()]);
      },
    };
  } catch (e) {
    await Promise.allSettled([vcsim.stop(), smbd.stop()]);
    throw e;
  }
}

/** The local files behind the VM's disks, in bus order (what vcsim's NFC endpoint serves for them). */
async function diskFilesOf(vcsim: Vcsim, moref: string): Promise<string[]> {
  const vim = await VimClient.connect({ url: vcsim.url, user: vcsim.user, password: vcsim.password, tls: { thumbprint: vcsim.thumbprint } });
  try {
    const names = (await readVm(vim, { type: "VirtualMachine", value: moref })).disks.map((d) => d.fileName);
    if (names.length === 0 || names.some((n) => !n)) throw new Error(`VM ${moref} has a disk without a file`);
    return names.map((n) => vcsim.localPath(n!));
  } finally {
    await vim.logout().catch(() => undefined);
    vim.close();
  }
}

/** Makes the disk a sparse file of `bytes` (zeros, no disk space used). */
export function sparseDisk(file: string, bytes: number): void {
  fs.truncateSync(file, 0);
  fs.truncateSync(file, bytes);
}

/** Fills a file with `bytes` of random data (what a real disk looks like to cp and SMB). */
export function randomFile(file: string, bytes: number): void {
  const fd = fs.openSync(file, "w");
  try {
    const buf = Buffer.allocUnsafe(8 * MiB);
    for (let done = 0; done < bytes; ) {
      const n = Math.min(buf.length, bytes - done);
      randomFillSync(buf, 0, n);
      fs.writeSync(fd, buf, 0, n);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A credentials file for smbclient -A, so the password stays out of argv. */
export function smbAuthFile(dir: string, smbd: SmbdInstance): string {
  const f = path.join(dir, "smb.auth");
  fs.writeFileSync(f, `username = ${smbd.user}\npassword = ${smbd.password}\ndomain = ${smbd.domain}\n`, { mode: 0o600 });
  return f;
}

/** Shell-quotes one argument. */
export function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
