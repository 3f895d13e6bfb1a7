/**
 * OsLayer.packaging: the unattended version. Finds the packaging machine the ELM named (a VM in
 * vSphere), then runs the stages in it over guest operations (stages.ts).
 */
import { guestCredentials, guestPollMs } from "../config";
import type { Report } from "../progress";
import { withVim } from "../vim";
import { listObjects } from "../vsphere/properties";
import type { VimClient } from "../vsphere/session";
import type { MoRef } from "../vsphere/types";
import type { OsLayerRevision } from "../elm";
import type { OsLayerInputs } from "../osLayer/types";
import { PackagingDeadline, runPackaging } from "./stages";
import type { PackagingProgress } from "./types";
import { vspherePort } from "./vspherePort";

export { PackagingDeadline, PackagingError } from "./stages";
export type { PackagingInputs, PackagingProgress } from "./types";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The VM of that name; the ELM's connector may still be creating it, so it is waited for until the deadline. */
async function findVm(vim: VimClient, name: string, deadline: number): Promise<MoRef> {
  for (;;) {
    const all = await listObjects(vim, "VirtualMachine", ["name"]);
    const hits = all.filter((o) => o.props.name === name);
    if (hits.length > 1) throw new Error(`packaging machine ${name}: vSphere has ${hits.length} VMs of that name; rename the stray ones and run \`pulumi up\``);
    if (hits.length === 1) return hits[0].obj;
    if (Date.now() >= deadline) throw new PackagingDeadline(name, "tools");
    await sleep(500);
  }
}

export async function packageVersion(
  inputs: OsLayerInputs,
  rev: OsLayerRevision,
  machine: string,
  deadline: number,
  progress: PackagingProgress,
  report: Report,
): Promise<void> {
  const packaging = inputs.packaging!;
  const creds = guestCredentials();
  await withVim(async (vim) => {
    const vm = await findVm(vim, machine, deadline);
    const port = vspherePort(vim, vm, machine, creds, { report, pollMs: guestPollMs() });
    await runPackaging({ port, inputs: packaging, version: rev.versionName, deadline, progress, report });
  });
}
