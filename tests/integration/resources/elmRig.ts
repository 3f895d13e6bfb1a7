/**
 * The rig of the OsLayer reconciler tests: the ELM simulator with one file share (a temp folder
 * holding the fixture OVF at exports/win2019/), the provider pointed at it through the
 * environment, restored afterwards. `useElm()` registers the beforeAll/afterAll of a test file.
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import * as osLayerModule from "../../../provider/osLayer";
import { ElmSim, ElmSimOptions, startElmSim } from "../../../sim/elm";
import { engineView } from "../../harness/reconciler";

export const osLayer = engineView(osLayerModule);

const FIXTURES = path.join(__dirname, "../../fixtures/ovf");

/** check() of raw inputs, which must pass. */
export async function checked(raw: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await osLayer.check({}, raw);
  expect(r.failures).toEqual([]);
  return r.inputs as Record<string, unknown>;
}

export interface ElmRig {
  readonly sim: ElmSim;
  /** The share's local folder. */
  readonly dir: string;
}

export function useElm(opts: { sim?: Omit<ElmSimOptions, "fileShares">; env?: Record<string, string> } = {}): ElmRig {
  const saved = { ...process.env };
  const rig = {} as { sim: ElmSim; dir: string };
  beforeAll(async () => {
    rig.dir = await fs.mkdtemp(path.join(os.tmpdir(), "oslayer-share-"));
    await fs.mkdir(path.join(rig.dir, "exports/win2019"), { recursive: true });
    await fs.copyFile(path.join(FIXTURES, "win2019-bios.ovf"), path.join(rig.dir, "exports/win2019/win2019.ovf"));
    await fs.copyFile(path.join(FIXTURES, "win2019-disk-0.vmdk"), path.join(rig.dir, "exports/win2019/win2019-disk-0.vmdk"));
    rig.sim = await startElmSim({ clockSpeed: 500, ...opts.sim, fileShares: [{ uncPath: "\\\\127.0.0.1\\layers", localDir: rig.dir }] });
    Object.assign(process.env, {
      APPLAYERING_ELM_ADDRESS: rig.sim.url,
      APPLAYERING_ELM_USER: rig.sim.user,
      APPLAYERING_ELM_PASSWORD: rig.sim.password,
      APPLAYERING_POLL_INTERVAL_MS: "25",
      ...opts.env,
    });
  });
  afterAll(async () => {
    process.env = saved;
    await rig.sim?.stop();
    if (rig.dir) await fs.rm(rig.dir, { recursive: true, force: true });
  });
  return rig;
}
