/**
 * The engine killed mid-step (not Ctrl-C: the CLI's own process gone). The step it had begun stays
 * in the state as a pending operation; the next `up` warns as the CLI does and goes on; a
 * refresh clears interrupted updates and deletes but not creates (the CLI asks about those).
 */
import { Engine, Program, resource } from "../../harness";
import { FakeProvider } from "./fakeProvider";
import { Lab, startLab } from "./setup";

const things = new FakeProvider("v1");
const opts = { module: "fake", type: "Thing" };

function program(slowB: boolean): Program {
  const a = resource(things, "a", { size: 1, name: "thing-a" }, opts);
  const b = resource(things, "b", { size: 1, name: "thing-b", ...(slowB ? { slowMs: 5000 } : {}) }, { ...opts, dependsOn: ["a"] });
  return [a, b];
}

describe("pending operations after the engine is killed", () => {
  let lab: Lab;
  let engine: Engine;

  beforeAll(async () => {
    lab = await startLab();
    engine = lab.engine();
  });
  afterAll(async () => {
    await lab.close();
  });

  const warnings = (plan: { diagnostics?: { severity: number; message: string }[] }): string[] =>
    (plan.diagnostics ?? []).filter((d) => d.severity === 2).map((d) => d.message);

  it("a create in flight when the engine dies stays pending; the next up warns, names it, and creates it", async () => {
    const up = engine.up(program(true));
    // a is created and checkpointed; b's create is under way.
    for (let i = 0; i < 200 && !(engine.state().pendingOperations ?? []).some((p) => p.urn.endsWith("::b")); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await engine.crash();
    await expect(up).rejects.toThrow(/killed/);
    const left = engine.state();
    expect(left.pendingOperations).toEqual([{ urn: engine.urn("pulumi-nodejs:dynamic/fake:Thing", "b"), type: "creating" }]);
    expect(left.resources.map((r) => r.urn.split("::").pop())).toEqual(["a"]);

    const next = await engine.up(program(false));
    const said = warnings(next);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^Attempting to deploy or update resources with 1 pending operations from previous deployment\./);
    expect(said[0]).toContain("::b, interrupted while creating");
    expect(next.steps.map((s) => [s.name, s.op])).toEqual([["a", "same"], ["b", "create"]]);
    // As the CLI's engine does, the pending create stays until a refresh is asked to clear it.
    expect(engine.state().pendingOperations).toHaveLength(1);
  });

  it("a refresh (non-interactive) keeps a pending create; one without any gives no warning", async () => {
    await engine.refresh();
    expect(engine.state().pendingOperations).toHaveLength(1);
    const fresh = lab.engine("other.json");
    expect(warnings(await fresh.up(program(false)))).toEqual([]);
    expect(fresh.state().pendingOperations).toBeUndefined();
  });
});
