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
import { startVcsim, Vcsim } from "../sim/vcsim/launch";
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
  stop(): Promise<void>;
}

export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

export async function startExportRig(smbdOpts: SmbdOptions = {}): Promise<ExportRig> {
  // No server-side manifest hashing: real vSphere hashes on the ESXi host, not on the client's
  // machine; here vcsim's hashing would take a core away from the client being measured.
  const [vcsim, smbd] = await Promise.all([startVcsim({ vms: 1, manifest: "none" }), startSmbd(smbdOpts)]);
  const env: Record<string, string> = {
    VSPHERE_SERVER: vcsim.url,
    VSPHERE_USER: vcsim.user,
    VSPHERE_PASSWORD: vcsim.password,
    APPLAYERING_VSPHERE_THUMBPRINT: vcsim.thumbprint,
    APPLAYERING_SHARE_USER: smbd.user,
    APPLAYERING_SHARE_PASSWORD: smbd.password,
  };
  try {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    let created;
    try {
      const name = "bench-os";
      const inputs = (await osMachine.check({}, { name, datacenter: "DC0", datastore: "LocalDS_0", network: "VM Network", diskGb: 8, powerState: "poweredOff" })).inputs;
      created = await osMachine.create(inputs);
    } finally {
      process.env = saved;
    }
    const diskFile = await diskFileOf(vcsim, created.id);
    fs.mkdirSync(path.join(smbd.dir, "exports"), { recursive: true });
    return {
      vcsim,
      smbd,
      vmMoref: created.id,
      diskFile,
      shareFolder: `${smbd.unc}\\exports`,
      env,
      async stop() {
        await Promise.allSettled([vcsim.stop(), smbd.stop()]);
      },
    };
  } catch (e) {
    await Promise.allSettled([vcsim.stop(), smbd.stop()]);
    throw e;
  }
}

/** The local file behind the VM's first disk (what vcsim's NFC endpoint serves for it). */
async function diskFileOf(vcsim: Vcsim, moref: string): Promise<string> {
  const vim = await VimClient.connect({ url: vcsim.url, user: vcsim.user, password: vcsim.password, tls: { thumbprint: vcsim.thumbprint } });
  try {
    const fileName = (await readVm(vim, { type: "VirtualMachine", value: moref })).disks[0]?.fileName;
    if (!fileName) throw new Error(`VM ${moref} has no disk file`);
    return vcsim.localPath(fileName);
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
