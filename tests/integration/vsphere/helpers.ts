import * as fs from "fs";
import { VimClient, mustFind, datacenterFolders, type MoRef } from "../../../provider/vsphere";
import { startVcsim, type Vcsim } from "../../../sim/vcsim/launch";

export async function connect(sim: Vcsim): Promise<VimClient> {
  return VimClient.connect({ url: sim.url, user: sim.user, password: sim.password, tls: { ca: fs.readFileSync(sim.caCertPath) } });
}

export interface Placement {
  folder: MoRef;
  resourcePool: MoRef;
  datastore: MoRef;
  network: MoRef;
  dvPortgroup: MoRef;
}

/** Where new VMs go in vcsim's VPX model. */
export async function placement(c: VimClient, dc = "DC0"): Promise<Placement> {
  const f = await datacenterFolders(c, dc);
  return {
    folder: f.vmFolder,
    resourcePool: await mustFind(c, `${dc}/host/${dc}_H0/Resources`, "resource pool"),
    datastore: await mustFind(c, `${dc}/datastore/LocalDS_0`, "datastore"),
    network: await mustFind(c, `${dc}/network/VM Network`, "network"),
    dvPortgroup: await mustFind(c, `${dc}/network/${dc}_DVPG0`, "portgroup"),
  };
}

export interface VcsimRig {
  sim: Vcsim;
  c: VimClient;
  where: Placement;
}

/** A vcsim of one datacenter, host and VM for the test file, logged in, with its placement. */
export function useVcsim(): VcsimRig {
  const rig = {} as VcsimRig;
  beforeAll(async () => {
    rig.sim = await startVcsim({ datacenters: 1, hosts: 1, vms: 1 });
    rig.c = await connect(rig.sim);
    rig.where = await placement(rig.c);
  });
  afterAll(async () => {
    await rig.c?.logout();
    await rig.sim?.stop();
  });
  return rig;
}
