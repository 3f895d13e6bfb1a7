/**
 * `applayering sim`: starts vcsim, smbd and the ELM simulator on 127.0.0.1, wired together as a
 * site would be, prints one JSON line with the endpoints, the credentials and the stack settings
 * a program needs, and runs until interrupted (Ctrl-C) — to try a program without an appliance.
 */
import { CliIo } from "./io";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { startPeers } from "../sim/peers";
import { launcherPath, launcherSourceDir } from "../sim/vcsim/launch";

/** Builds the vcsim launcher on first use (an installed package ships its Go sources). */
function ensureLauncher(io: CliIo): void {
  const bin = launcherPath();
  if (fs.existsSync(bin)) return;
  const script = path.join(launcherSourceDir(), "build.sh");
  io.stderr(`building the vcsim launcher (once): ${script}\n`);
  execFileSync("sh", [script], { stdio: ["ignore", "inherit", "inherit"] });
}

export async function sim(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes("--help")) {
    io.stdout(
      "usage: applayering sim [--clock-speed N]\n\n" +
        "Starts vcsim, smbd and the ELM simulator on 127.0.0.1 and prints one JSON line: endpoints,\n" +
        "credentials, `config` (the stack settings to give `pulumi config set`) and `govc` (the GOVC_*\n" +
        "settings for VMware's govc). Ctrl-C stops them.\n" +
        "--clock-speed N   ELM tasks run N times faster than real time (default 20)\n",
    );
    return 0;
  }
  const i = args.indexOf("--clock-speed");
  const clockSpeed = i >= 0 ? Number(args[i + 1]) : 20;
  ensureLauncher(io);
  const peers = await startPeers({ elmClockSpeed: Number.isFinite(clockSpeed) && clockSpeed > 0 ? clockSpeed : 20 });
  const s = peers.settings;
  io.stdout(
    JSON.stringify({
      vsphere: { url: peers.vcsim.url, user: s["vsphere:user"], password: s["vsphere:password"], thumbprintSha256: peers.vcsim.thumbprintSha256, datacenters: peers.vcsim.datacenters,
        // The account of the VMs' simulated Windows guest (VMware Tools guest operations).
        guest: { user: peers.vcsim.guestUser, password: peers.vcsim.guestPassword } },
      elm: { url: peers.elm.url, user: s["applayering:elmUser"], password: s["applayering:elmPassword"], caCertPath: s["applayering:elmCaCert"], connector: s.connector },
      share: { unc: peers.smbd.unc, user: s["applayering:shareUser"], password: s["applayering:sharePassword"], exportsFolder: s.shareFolder },
      config: s,
      // The same vSphere for govc, VMware's CLI: `export $(jq -r '.govc|to_entries[]|"\(.key)=\(.value)"')`.
      govc: {
        GOVC_URL: peers.vcsim.url,
        GOVC_USERNAME: s["vsphere:user"],
        GOVC_PASSWORD: s["vsphere:password"],
        GOVC_TLS_CA_CERTS: peers.vcsim.caCertPath,
        GOVC_DATACENTER: peers.vcsim.datacenters[0],
        GOVC_GUEST_LOGIN: `${peers.vcsim.guestUser}:${peers.vcsim.guestPassword}`,
      },
    }) + "\n",
  );
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await peers.stop();
  return 0;
}
