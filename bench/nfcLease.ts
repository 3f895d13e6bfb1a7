/**
 * The export baseline's source: an ExportVm lease taken with our vSphere client, so that curl
 * GETs the very NFC URL (same vcsim HTTP server, same TLS, same bytes) our export streams.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { decodeMoRef, leaseAbort, resolveNfcUrl, VimClient, waitForLease, type MoRef } from "../provider/vsphere";
import type { ExportRig } from "./rig";

export interface NfcDownload {
  /** The disk's NFC URL. */
  url: string;
  /** The bytes the lease announces for it (the served VMDK's length), when it says. */
  size?: number;
  /** A curl header file holding the session cookie (kept out of argv). */
  headerFile: string;
  /** Aborts the lease and logs out. */
  release(): Promise<void>;
}

export async function openNfcDownload(rig: ExportRig, dir: string): Promise<NfcDownload> {
  const vim = await VimClient.connect({ url: rig.vcsim.url, user: rig.vcsim.user, password: rig.vcsim.password, tls: { thumbprint: rig.vcsim.thumbprint } });
  let lease: MoRef | undefined;
  try {
    const payload = await vim.invoke("ExportVm", { type: "VirtualMachine", value: rig.vmMoref });
    const rv = payload.children.find((x) => x.name === "returnval");
    if (!rv) throw new Error("ExportVm returned no lease");
    lease = decodeMoRef(rv);
    const info = await waitForLease(vim, lease, 30_000);
    const disk = info.deviceUrls.find((d) => d.disk || /\.vmdk$/i.test(d.url));
    if (!disk) throw new Error("the export lease lists no disk");
    const headerFile = path.join(dir, "nfc.headers");
    fs.writeFileSync(headerFile, `Cookie: ${vim.cookieHeader() ?? ""}\n`, { mode: 0o600 });
    const held = lease;
    return {
      url: resolveNfcUrl(disk.url, vim.host),
      size: disk.fileSize,
      headerFile,
      async release() {
        await leaseAbort(vim, held, "benchmark baseline done");
        await vim.logout().catch(() => undefined);
        vim.close();
      },
    };
  } catch (e) {
    if (lease) await leaseAbort(vim, lease, "benchmark baseline failed");
    await vim.logout().catch(() => undefined);
    vim.close();
    throw e;
  }
}

/** The bytes an ExportVm lease announces for the rig's disk now (the VMDK vcsim will serve); the lease is aborted. */
export async function announcedDiskBytes(rig: ExportRig, dir: string): Promise<number> {
  const nfc = await openNfcDownload(rig, dir);
  try {
    if (nfc.size === undefined) throw new Error("the export lease announces no fileSize for the disk");
    return nfc.size;
  } finally {
    await nfc.release();
  }
}
