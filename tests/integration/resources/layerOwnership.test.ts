/**
 * Ownership of ELM layers against the ELM simulator: only a mark bound to the layer's own id (and
 * the import task that made it) lets create() continue with a layer found by name. A layer whose
 * audit history or description quotes a mark — the bare one, the stack's, or a real mark of
 * another layer of ours — is refused with adoptExisting named, and nothing about it changes.
 */
import { ElmClient, editLayerArgsFrom } from "../../../provider/elm";
import { layerIdentity, ownerMark } from "../../../provider/owner";
import { ElmSim } from "../../../sim/elm";
import { checked, osLayer, useElm } from "./elmRig";

const base = { name: "Owned OS", connector: "vSphere", ovfPath: "exports/win2019/win2019.ovf", version: "1.0" };

const rig = useElm({ env: { PULUMI_PROJECT: "layers", PULUMI_STACK: "prod" } });
let sim: ElmSim;
let admin: ElmClient;
beforeAll(async () => {
  sim = rig.sim;
  admin = new ElmClient({ address: sim.url, user: sim.user, password: sim.password });
  await admin.login();
});
afterAll(async () => {
  await admin?.logout().catch(() => undefined);
});

/** Everything a refused create must leave as it was. */
const world = () => ({ layers: sim.layers(), tickets: sim.tickets().length, audit: sim.auditLog().length });

/** Another ELM admin edits a layer, with a comment (and optionally a description) of their choosing. */
async function adminEdits(layerId: number, comment: string, description?: string) {
  await admin.editLayer({ ...editLayerArgsFrom(await admin.osLayerDetails(layerId), description === undefined ? {} : { description }), comment });
}

describe("layer ownership marks against the ELM simulator", () => {
  let ours: string;
  let ourMark: string;

  it("import binds a mark to the new layer's id and import task; a re-run continues with that layer", async () => {
    const r = await osLayer.create(await checked(base));
    ours = r.id;
    const importTicket = sim.tickets().find((t) => t.kind === "ImportOs" && t.layerId === Number(ours))!.id;
    const marks = sim.auditLog().filter((a) => a.entityId === Number(ours)).map((a) => a.comment).filter((c) => / layer=\d+ .*mac=/.test(c));
    expect(marks).toEqual([expect.stringMatching(new RegExp(`^\\[pulumi-applayering layers/prod layer=${ours} ticket=${importTicket} mac=[0-9a-f]{32}\\]$`))]);
    ourMark = marks[0];
    expect((await osLayer.create(await checked(base))).id).toBe(ours);
    expect(sim.layers()).toHaveLength(1);
  });

  const refused = async (name: string) => {
    const before = world();
    const err = await osLayer.create(await checked({ ...base, name })).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(new RegExp(`^OsLayer\\.name: a layer named "${name}" already exists in the ELM.*nothing was changed.*set adoptExisting: true`));
    expect(world()).toEqual(before);
  };

  it("refuses a layer whose audit history quotes the bare or the stack's mark", async () => {
    const id = sim.seedLayer({ name: "Quoting OS", versions: ["1.0"] });
    await adminEdits(id, "[pulumi-applayering] import Quoting OS 1.0");
    await adminEdits(id, "[pulumi-applayering layers/prod] import Quoting OS 1.0");
    await refused("Quoting OS");
  });

  it("refuses a layer into whose history and description a real mark of another of our layers was copied", async () => {
    const id = sim.seedLayer({ name: "Copying OS", versions: ["1.0"] });
    await adminEdits(id, `see ${ourMark}`, `copied: ${ourMark}`);
    await adminEdits(id, ourMark);
    await refused("Copying OS");
  });

  it("refuses a mark for this very layer computed without the ownerKey, once one is set", async () => {
    const id = sim.seedLayer({ name: "Forged OS", versions: ["1.0"] });
    // Someone who knows project and stack computes the unkeyed mark for this layer id.
    const forged = ourMark.replace(`layer=${ours}`, `layer=${id}`);
    const ticket = /ticket=(\d+)/.exec(ourMark)![1];
    await adminEdits(id, ownerMark(layerIdentity(id, ticket)));
    await adminEdits(id, forged);
    process.env.APPLAYERING_OWNER_KEY = "a secret the editor does not have";
    try {
      await refused("Forged OS");
    } finally {
      delete process.env.APPLAYERING_OWNER_KEY;
    }
  });

  it("the refused layers were never deleted, and adoptExisting still takes one", async () => {
    expect(sim.layers().map((l) => l.name).sort()).toEqual(["Copying OS", "Forged OS", "Owned OS", "Quoting OS"]);
    const adopted = await osLayer.create(await checked({ ...base, name: "Quoting OS", adoptExisting: true }));
    expect(adopted.outs).toMatchObject({ name: "Quoting OS", revisionState: "Deployable" });
  });
});
