/**
 * Failures and engine options under the harness: partial failures (ErrorResourceInitFailed) are
 * recorded with their id, Check failures stop before anything is created, and protect,
 * retainOnDelete, ignoreChanges, dependsOn and `get` behave as the engine's do.
 */
import { Engine, get, HostCallError, OperationError, resource } from "../../harness";
import { FakeProvider } from "./fakeProvider";
import { Lab, startLab } from "./setup";

const opts = { module: "fake", type: "Thing" };
const things = new FakeProvider("v1");

describe("harness failures and options", () => {
  let lab: Lab;
  let engine: Engine;

  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab.close();
  });
  beforeEach(() => {
    engine = lab.engine(`state-${expect.getState().currentTestName?.replace(/\W+/g, "-")}.json`);
  });

  it("records a partial failure with its id and reasons; the next up updates it", async () => {
    const failing = resource(things, "a", { size: 1, name: "half", failAfterCreate: "with-provider" }, opts);
    const err = (await engine.up([failing]).catch((e: unknown) => e)) as OperationError;
    expect(err).toBeInstanceOf(OperationError);
    expect(err.message).toMatch(/created as obj-\d+ but it did not become ready/);
    expect(err.cause).toBeInstanceOf(HostCallError);
    const failure = (err.cause as HostCallError).initFailure!;
    expect(failure.reasons).toEqual(["not ready after 0 minutes"]);
    expect(err.plan.steps.map((s) => [s.name, s.op])).toEqual([["a", "create"]]);

    const a = engine.resource("a")!;
    expect(a.id).toBe(failure.id);
    expect(a.initErrors).toEqual(["not ready after 0 minutes"]);
    expect(lab.store().objects[a.id]).toBeDefined();

    // Nothing changed in the program, but a resource with init errors is updated until it succeeds.
    const fixed = resource(things, "a", { size: 1, name: "half" }, opts);
    const preview = await engine.preview([fixed]);
    const up = await engine.up([fixed]);
    expect(preview.steps.map((s) => s.op)).toEqual(["update"]);
    expect(up.steps.map((s) => s.op)).toEqual(["update"]);
    expect(engine.resource("a")!.initErrors).toBeUndefined();
    expect(engine.resource("a")!.id).toBe(a.id);
    await engine.destroy();
  });

  it("a partial failure whose properties lack __provider cannot be refreshed or destroyed until an up", async () => {
    const failing = resource(things, "a", { size: 1, name: "orphan", failAfterCreate: "without-provider" }, opts);
    await expect(engine.up([failing])).rejects.toThrow(OperationError);
    // The host's Read and Delete take the provider text from the stored outputs: there is none.
    await expect(engine.refresh()).rejects.toThrow(/refresh failed at .*::a: Read: /);
    await expect(engine.destroy()).rejects.toThrow(/destroy failed at .*::a: Delete: /);
    // An update (which runs the program's provider text) stores __provider again.
    await engine.up([resource(things, "a", { size: 1, name: "orphan" }, opts)]);
    await engine.destroy();
    expect(lab.store().objects).toEqual({});
  });

  it("Check failures stop the operation before any create, naming the property", async () => {
    const bad = resource(things, "bad", { size: -1 }, opts);
    const before = Object.keys(lab.store().objects).length;
    await expect(engine.preview([bad])).rejects.toThrow(/Check failed:\n  size: size must be a positive number/);
    await expect(engine.up([resource(things, "ok", { size: 1 }, opts), bad])).rejects.toThrow(/::bad: Check failed/);
    // The first resource was created before the bad one was checked, and is in the state.
    expect(Object.keys(lab.store().objects).length).toBe(before + 1);
    expect(engine.resource("ok")).toBeDefined();
    await engine.destroy();
  });

  it("protect refuses a delete and a replace; retainOnDelete forgets without deleting", async () => {
    await engine.up([resource(things, "p", { size: 1, zone: "a" }, { ...opts, protect: true }), resource(things, "r", { size: 1 }, { ...opts, retainOnDelete: true })]);
    await expect(engine.up([resource(things, "p", { size: 1, zone: "b" }, { ...opts, protect: true })])).rejects.toThrow(/protected/);
    await expect(engine.destroy()).rejects.toThrow(/::p is protected/);
    await expect(engine.destroy({ preview: true })).rejects.toThrow(/protected/);
    // Unprotecting and replacing in one up is allowed, as by the engine; then destroy.
    const retained = engine.resource("r")!.id;
    const up = await engine.up([resource(things, "p", { size: 1, zone: "b" }, opts), resource(things, "r", { size: 1 }, { ...opts, retainOnDelete: true })]);
    expect(up.steps.map((s) => s.op)).toEqual(["replace", "same"]);
    const destroy = await engine.destroy();
    expect(destroy.steps.map((s) => [s.name, s.op])).toEqual([["r", "delete"], ["p", "delete"]]);
    expect(engine.state().resources).toEqual([]);
    expect(lab.store().objects[retained]).toBeDefined();
  });

  it("ignoreChanges keeps the old input value", async () => {
    await engine.up([resource(things, "i", { size: 1, color: "green" }, { ...opts, ignoreChanges: ["color"] })]);
    const p = [resource(things, "i", { size: 1, color: "purple" }, { ...opts, ignoreChanges: ["color"] })];
    expect((await engine.preview(p)).steps.map((s) => s.op)).toEqual(["same"]);
    expect((await engine.up(p)).steps.map((s) => s.op)).toEqual(["same"]);
    expect(engine.resource("i")!.inputs.color).toBe("green");
    await engine.destroy();
  });

  it("dependsOn orders deletes and is recorded", async () => {
    const x = resource(things, "x", { size: 1 }, opts);
    const y = resource(things, "y", { size: 1 }, { ...opts, dependsOn: ["x"] });
    await engine.up([x, y]);
    expect(engine.resource("y")!.dependencies).toEqual([engine.resource("x")!.urn]);
    const destroy = await engine.destroy();
    expect(destroy.steps.map((s) => s.name)).toEqual(["y", "x"]);
  });

  it("get reads an existing object (Read with inputs only) and never deletes it", async () => {
    await engine.up([resource(things, "owner", { size: 4, name: "shared" }, opts)]);
    const id = engine.resource("owner")!.id;
    const reader = lab.engine("reader.json");
    const plan = await reader.up([get(things, "shared", id, {}, opts)]);
    expect(plan.steps.map((s) => s.op)).toEqual(["read"]);
    expect(reader.resource("shared")!.outputs.size).toBe(4);
    await reader.destroy();
    expect(lab.store().objects[id]).toBeDefined();
    await expect(reader.up([get(things, "missing", "obj-nope", {}, opts)])).rejects.toThrow(/no object with id "obj-nope"/);
    await engine.destroy();
  });
});
