/**
 * All three peers at once, wired together as a site would be: vcsim (vSphere), smbd (the ELM's
 * file share) and the ELM simulator reading that share. Used by the lifecycle tests, the demo and
 * `applayering sim`.
 */
import { startElmSim, ElmSim } from "./elm";
import { startSmbd, SmbdInstance } from "./smbd";
import { startVcsim, Vcsim } from "./vcsim/launch";
import { guestControl } from "./vcsim/guestControl";
import { createPackagingMachine, packagingEvents, removePackagingMachine, setUpdates } from "./vcsim/packagingControl";
import { openShare, Share } from "../provider/share";

/** Reads files of the share through our SMB client, one connection per call. */
function smbReader(smbd: SmbdInstance): { read: (rel: string) => Promise<Buffer | undefined>; exists: (rel: string) => Promise<boolean> } {
  const withShare = async <T>(fn: (s: Share) => Promise<T>): Promise<T> => {
    const share = await openShare(smbd.unc, { user: smbd.user, password: smbd.password, domain: smbd.domain });
    try {
      return await fn(share);
    } finally {
      await share.close().catch(() => undefined);
    }
  };
  return {
    read: (rel) => withShare(async (s) => ((await s.stat(rel))?.isDirectory === false ? s.readFile(rel) : undefined)),
    exists: (rel) => withShare(async (s) => (await s.stat(rel))?.isDirectory === false),
  };
}

export interface Peers {
  vcsim: Vcsim;
  smbd: SmbdInstance;
  elm: ElmSim;
  /** The stack configuration a program uses against these peers (passwords included). */
  settings: PeerSettings;
  /**
   * Runs on each new packaging machine while its Tools are held (so the provider sees the machine
   * only once this is done): set blockers and the update offer here. Default: DEFAULT_UPDATES.
   */
  preparePackagingMachine: (vm: string) => Promise<void>;
  /** Errors of the packaging-machine wiring (creating the VM, relaying Shutdown For Finalize). */
  packagingErrors: Error[];
  stop(): Promise<void>;
}

export interface PeerSettings {
  "vsphere:vsphereServer": string;
  "vsphere:user": string;
  "vsphere:password": string;
  "applayering:vsphereThumbprint": string;
  "applayering:elmAddress": string;
  "applayering:elmUser": string;
  "applayering:elmPassword": string;
  "applayering:elmCaCert": string;
  "applayering:shareUser": string;
  "applayering:sharePassword": string;
  /** The simulated Windows guest's account (OsMachine.prepare). */
  "applayering:guestUser": string;
  "applayering:guestPassword": string;
  /** Where the example exports to: `\\host:port\layers\exports`. */
  shareFolder: string;
  /** The ELM's connector to use. */
  connector: string;
}

/** The names of the secret settings (what `pulumi config set --secret` would mark). */
export const SECRET_SETTINGS = ["vsphere:password", "applayering:elmPassword", "applayering:sharePassword", "applayering:guestPassword"] as const;

/** What Windows Update offers in a new packaging machine unless a test says otherwise: two rounds. */
export const DEFAULT_UPDATES = [
  { kb: "KB5033118", round: 1, reboot: true },
  { kb: "KB5032339", round: 1 },
  { kb: "KB5034439", round: 2, reboot: true },
];

export async function startPeers(opts: { elmClockSpeed?: number; https?: boolean } = {}): Promise<Peers> {
  const [vcsim, smbd] = await Promise.all([startVcsim({ vms: 1 }), startSmbd()]);
  let elm: ElmSim | undefined;
  const peers: Pick<Peers, "preparePackagingMachine" | "packagingErrors"> = {
    preparePackagingMachine: (vm) => setUpdates(vcsim, vm, DEFAULT_UPDATES),
    packagingErrors: [],
  };
  const failed = (err: unknown) => void peers.packagingErrors.push(err instanceof Error ? err : new Error(String(err)));
  // The ELM's packaging machines become VMs with the simulated guest (vSphere-backed connector).
  const created = async (vm: string) => {
    await createPackagingMachine(vcsim, vm, elm?.finalizeMode === "onShutdown");
    await guestControl(vcsim, vm, "tools-stop");
    try {
      await peers.preparePackagingMachine(vm);
    } finally {
      await guestControl(vcsim, vm, "tools-start");
    }
  };
  try {
    elm = await startElmSim({
      onPackagingMachine: (event, m) =>
        void (event === "created" ? created(m.name) : removePackagingMachine(vcsim, m.name)).catch(failed),
      https: opts.https ?? true,
      clockSpeed: opts.elmClockSpeed ?? 200,
      connectors: [{ name: "vSphere" }],
      // The ELM reads the OVF over SMB, as the appliance does (the local folder serves only listings).
      fileShares: [{ uncPath: `\\\\${smbd.host}\\${smbd.share}`, localDir: smbd.dir, ...smbReader(smbd) }],
    });
  } catch (err) {
    await Promise.all([vcsim.stop(), smbd.stop()]);
    throw err;
  }
  const sim = elm;
  // Shutdown For Finalize inside a packaging machine tells the ELM, as the appliance learns it.
  let polling = false;
  const relay = setInterval(() => {
    if (polling) return;
    polling = true;
    packagingEvents(vcsim)
      .then((events) => events.forEach((e) => sim.shutdownPackagingMachine(e.vm)))
      .catch(failed)
      .finally(() => (polling = false));
  }, 200);
  relay.unref();
  return Object.assign(peers, {
    vcsim,
    smbd,
    elm: sim,
    settings: {
      "vsphere:vsphereServer": vcsim.url,
      "vsphere:user": vcsim.user,
      "vsphere:password": vcsim.password,
      "applayering:vsphereThumbprint": vcsim.thumbprintSha256,
      "applayering:elmAddress": elm.url,
      "applayering:elmUser": elm.user,
      "applayering:elmPassword": elm.password,
      "applayering:elmCaCert": elm.caCertPath ?? "",
      "applayering:shareUser": smbd.user,
      "applayering:sharePassword": smbd.password,
      "applayering:guestUser": vcsim.guestUser,
      "applayering:guestPassword": vcsim.guestPassword,
      shareFolder: `${smbd.unc}\\exports`,
      connector: "vSphere",
    },
    async stop() {
      clearInterval(relay);
      await Promise.allSettled([sim.stop(), vcsim.stop(), smbd.stop()]);
    },
  });
}
