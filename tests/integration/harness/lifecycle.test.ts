/**
 * A stack through its life under the harness: create, a no-op second up, update in place, replace
 * (create-before-delete, then delete-before-replace), refresh that finds an out-of-band change,
 * removal from the program, destroy. Every up is preceded by a preview that must predict it.
 */
import { assertPreviewMatchesUp, Engine, isNoop, Plan, Program, resource, summarize, UNKNOWN } from "../../harness";
import { FakeProvider } from "./fakeProvider";
import { Lab, startLab } from "./setup";
import { withStore } from "./fakeBackend";

const things = new FakeProvider("v1");
const opts = { module: "fake", type: "Thing" };

function program(aSize: number, extra: { zone?: string; exclusive?: boolean; withB?: boolean } = {}): Program {
  const a = resource(things, "a", { size: aSize, zone: extra.zone ?? "a", name: "thing-a", ...(extra.exclusive ? { exclusive: true } : {}) }, opts);
  if (extra.withB === false) return [a];
  // b's size follows a's; its color is a's path, an output only known after a exists.
  const b = resource(things, "b", { size: a.output("size"), color: a.output("path") }, opts);
  return [a, b];
}

describe("harness lifecycle", () => {
  let lab: Lab;
  let engine: Engine;

  beforeAll(async () => {
    lab = await startLab();
    engine = lab.engine();
  });
  afterAll(async () => {
    await lab.close();
  });

  async function previewThenUp(p: Program): Promise<{ preview: Plan; up: Plan }> {
    const before = lab.store().journal.filter((j) => j.op === "create" || j.op === "update" || j.op === "delete").length;
    const preview = await engine.preview(p);
    // Preview runs Check and Diff only: the host says supportsPreview=false.
    expect(lab.store().journal.filter((j) => j.op === "create" || j.op === "update" || j.op === "delete").length).toBe(before);
    const up = await engine.up(p);
    assertPreviewMatchesUp(preview, up);
    return { preview, up };
  }

  it("creates, with unknowns for outputs of resources being created", async () => {
    const preview = await engine.preview(program(1));
    expect(preview.steps.map((s) => [s.name, s.op])).toEqual([["a", "create"], ["b", "create"]]);
    const { up } = await previewThenUp(program(1));
    expect(summarize(up)).toEqual({ create: 2 });
    const a = engine.resource("a")!;
    const b = engine.resource("b")!;
    expect(a.id).toMatch(/^obj-/);
    expect(b.inputs.color).toBe(a.outputs.path);
    expect(b.inputs.size).toBe(1);
    expect(b.dependencies).toEqual([a.urn]);
    expect(b.inputs.name).toMatch(/^thing-[0-9a-f]{6}$/);
    expect(Object.keys(lab.store().objects).sort()).toEqual([a.id, b.id].sort());
    // The provider's stderr progress is in the plan.
    expect(up.log.some((l) => l.text.includes("created thing-a"))).toBe(true);
  });

  it("a second up with no change is a no-op", async () => {
    const { preview, up } = await previewThenUp(program(1));
    expect(isNoop(preview)).toBe(true);
    expect(isNoop(up)).toBe(true);
  });

  it("updates in place, and a dependent whose referenced output is only predicted sees an unknown", async () => {
    const preview = await engine.preview(program(2));
    // a changes: its `size` is an input, so b sees the predicted 2; its `path` is not, so unknown.
    expect(preview.steps.map((s) => [s.name, s.op, s.diffKeys])).toEqual([
      ["a", "update", ["size"]],
      ["b", "update", ["color", "size"]],
    ]);
    const up = await engine.up(program(2));
    // In up, `path` turns out unchanged: preview over-predicted b's changed keys (as Pulumi does).
    expect(up.steps.map((s) => [s.name, s.op, s.diffKeys])).toEqual([
      ["a", "update", ["size"]],
      ["b", "update", ["size"]],
    ]);
    expect(preview.steps[1].unknownKeys).toEqual(["color"]);
    // An over-prediction caused by an unknown is allowed, unless exactness is asked for.
    assertPreviewMatchesUp(preview, up);
    expect(() => assertPreviewMatchesUp(preview, up, { exact: true })).toThrow(/changed keys differ/);
    expect(lab.store().objects[engine.resource("b")!.id].size).toBe(2);
  });

  it("replaces create-before-delete when diff reports replaces", async () => {
    const oldA = engine.resource("a")!;
    const { up } = await previewThenUp(program(2, { zone: "b" }));
    // b's color (a's path) really changes with the new object: an update, predicted by the preview.
    expect(up.steps.map((s) => [s.name, s.op, s.replaceKeys, s.deleteBeforeReplace])).toEqual([
      ["a", "replace", ["zone"], false],
      ["b", "update", [], undefined],
    ]);
    const newA = engine.resource("a")!;
    expect(newA.id).not.toBe(oldA.id);
    expect(lab.store().objects[oldA.id]).toBeUndefined();
    // create-before-delete: the new object was created before the old one was deleted.
    const ops = lab.store().journal.filter((j) => j.op === "create" || j.op === "delete").slice(-2);
    expect(ops.map((j) => [j.op, j.id])).toEqual([["create", newA.id], ["delete", oldA.id]]);
    expect(engine.state().resources.some((r) => r.pendingDelete)).toBe(false);
  });

  it("replaces delete-before-create when diff says deleteBeforeReplace", async () => {
    await previewThenUp(program(2, { zone: "b", exclusive: true }));
    const oldA = engine.resource("a")!;
    const { up } = await previewThenUp(program(2, { zone: "c", exclusive: true }));
    expect(up.steps[0]).toMatchObject({ name: "a", op: "replace", replaceKeys: ["zone"], deleteBeforeReplace: true });
    const newA = engine.resource("a")!;
    const ops = lab.store().journal.filter((j) => j.op === "create" || j.op === "delete").slice(-2);
    expect(ops.map((j) => [j.op, j.id])).toEqual([["delete", oldA.id], ["create", newA.id]]);
  });

  it("refresh shows an out-of-band change; the next preview shows the drift and up repairs it", async () => {
    const a = engine.resource("a")!;
    withStore(lab.backendFile, (s) => {
      s.objects[a.id].color = "red";
    });
    const refresh = await engine.refresh();
    expect(refresh.steps.map((s) => [s.name, s.op])).toEqual([["a", "refresh-changed"], ["b", "same"]]);
    expect(refresh.steps[0].diffKeys).toEqual(["color"]);
    // read() returned inputs, which replaced the stored inputs.
    expect(engine.resource("a")!.inputs.color).toBe("red");
    expect(engine.resource("a")!.outputs.color).toBe("red");
    const { up } = await previewThenUp(program(2, { zone: "c", exclusive: true }));
    expect(up.steps.map((s) => [s.name, s.op, s.diffKeys])).toEqual([["a", "update", ["color"]], ["b", "same", []]]);
    expect(lab.store().objects[a.id].color).toBe("blue");
  });

  it("refresh drops a resource deleted out of band; up recreates it", async () => {
    const b = engine.resource("b")!;
    withStore(lab.backendFile, (s) => {
      delete s.objects[b.id];
    });
    const preview = await engine.refresh({ preview: true });
    expect(preview.steps.map((s) => [s.name, s.op])).toEqual([["a", "same"], ["b", "delete"]]);
    expect(engine.resource("b")).toBeDefined(); // a refresh preview changes nothing
    await engine.refresh();
    expect(engine.resource("b")).toBeUndefined();
    const { up } = await previewThenUp(program(2, { zone: "c", exclusive: true }));
    expect(up.steps.map((s) => [s.name, s.op])).toEqual([["a", "same"], ["b", "create"]]);
  });

  it("deletes a resource removed from the program", async () => {
    const b = engine.resource("b")!;
    const { up } = await previewThenUp(program(2, { zone: "c", exclusive: true, withB: false }));
    expect(up.steps.map((s) => [s.name, s.op])).toEqual([["a", "same"], ["b", "delete"]]);
    expect(lab.store().objects[b.id]).toBeUndefined();
    expect(engine.state().resources.map((r) => r.urn)).toEqual([engine.resource("a")!.urn]);
  });

  it("destroys everything, dependents first", async () => {
    await engine.up(program(3));
    const preview = await engine.destroy({ preview: true });
    const destroy = await engine.destroy();
    assertPreviewMatchesUp(preview, destroy);
    expect(destroy.steps.map((s) => [s.name, s.op])).toEqual([["b", "delete"], ["a", "delete"]]);
    expect(engine.state().resources).toEqual([]);
    expect(lab.store().objects).toEqual({});
  });

  it("an update upstream: the dependent's preview says update, up finds nothing to do", async () => {
    await engine.up(program(1));
    const naive = (size: number): Program => {
      const [a] = program(size, { withB: false });
      return [a, resource(things, "b", { size: 1, color: a.output("path") }, opts)];
    };
    await engine.up(naive(1));
    const preview = await engine.preview(naive(2));
    const up = await engine.up(naive(2));
    expect(preview.steps.map((s) => [s.name, s.op, s.unknownKeys])).toEqual([["a", "update", undefined], ["b", "update", ["color"]]]);
    expect(up.steps.map((s) => [s.name, s.op])).toEqual([["a", "update"], ["b", "same"]]);
    assertPreviewMatchesUp(preview, up);
    expect(() => assertPreviewMatchesUp(preview, up, { exact: true })).toThrow(/op update predicted, same done/);
    await engine.destroy();
  });

  it("catches a diff that calls an unknown unchanged when the upstream is replaced (under-prediction)", async () => {
    const optimistic = new FakeProvider("v1", { stableWhenUnknown: ["color"] });
    const p = (zone: string): Program => {
      const [a] = program(1, { zone, withB: false });
      return [a, resource(optimistic, "b", { size: 1, color: a.output("path") }, opts)];
    };
    await engine.up(p("a"));
    const preview = await engine.preview(p("b"));
    const up = await engine.up(p("b"));
    expect(preview.steps.map((s) => s.op)).toEqual(["replace", "same"]);
    expect(up.steps.map((s) => s.op)).toEqual(["replace", "update"]);
    expect(() => assertPreviewMatchesUp(preview, up)).toThrow(/step 2: op same predicted, update done/);
    await engine.destroy();
  });

  it("sends the unknown sentinel to Check and Diff in preview", async () => {
    await engine.up(program(1));
    const p = await engine.preview([resource(things, "a", { size: UNKNOWN, zone: "a", name: "thing-a" }, opts), ...program(1).slice(1)]);
    expect(p.steps.map((s) => [s.name, s.op])).toEqual([["a", "update"], ["b", "update"]]);
    // The provider's check() and diff() got the sentinel itself: for a's size, and for b's size
    // (a.size) and color (a.path, an output of a resource that is changing).
    const calls = lab.store().journal.slice(-4);
    expect(calls.map((j) => [j.op, j.unknowns])).toEqual([
      ["check", ["size"]],
      ["diff", ["size"]],
      ["check", ["color", "size"]],
      ["diff", ["color", "size"]],
    ]);
    await engine.destroy();
  });
});
