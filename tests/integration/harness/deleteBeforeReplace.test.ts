/**
 * Delete-before-replace in the engine's order: before the old object goes, the dependents whose
 * inputs it feeds and that would be replaced by its replacement are deleted (dependents first),
 * then re-created after it when the program registers them again. Dependents whose diff would
 * only update, and `dependsOn`-only dependents, are left alone.
 */
import { assertPreviewMatchesUp, Engine, Plan, Program, resource } from "../../harness";
import { FakeProvider } from "./fakeProvider";
import { Lab, startLab } from "./setup";

const things = new FakeProvider("v1");
const opts = { module: "fake", type: "Thing" };

/** a (delete before replace); b's zone follows a's (a replace key); c's color is b's path; d dependsOn a. */
function program(zone: string, o: { withB?: boolean; protectB?: boolean } = {}): Program {
  const a = resource(things, "a", { size: 1, zone, name: "thing-a", exclusive: true }, opts);
  const d = resource(things, "d", { size: 1, name: "thing-d" }, { ...opts, dependsOn: ["a"] });
  if (o.withB === false) return [a, d];
  const b = resource(things, "b", { size: 1, zone: a.output("zone"), name: "thing-b" }, { ...opts, protect: o.protectB });
  const c = resource(things, "c", { size: 1, color: b.output("path"), name: "thing-c" }, opts);
  return [a, b, c, d];
}

describe("delete before replace, with dependents", () => {
  let lab: Lab;
  let engine: Engine;

  beforeAll(async () => {
    lab = await startLab();
    engine = lab.engine();
    await engine.up(program("z1"));
  });
  afterAll(async () => {
    await lab.close();
  });

  const writes = (): string[] => lab.store().journal.filter((j) => j.op === "create" || j.op === "delete" || j.op === "update").map((j) => `${j.op} ${j.id}`);
  const ids = (): Record<string, string> => Object.fromEntries(["a", "b", "c", "d"].map((n) => [n, engine.resource(n)?.id ?? ""]));
  const ops = (plan: Plan): string[][] => plan.steps.map((s) => [s.name, s.op, s.replaceKeys.join(","), String(s.deleteBeforeReplace ?? "")]);

  it("deletes a dependent that its replacement would replace before the old object, and re-creates it after", async () => {
    const old = ids();
    const preview = await engine.preview(program("z2"));
    const before = writes().length;
    const up = await engine.up(program("z2"));
    assertPreviewMatchesUp(preview, up);
    expect(ops(up)).toEqual([
      ["a", "replace", "zone", "true"],
      ["b", "replace", "zone", "true"],
      ["c", "update", "", ""],
      ["d", "same", "", ""],
    ]);
    const now = ids();
    expect(writes().slice(before)).toEqual([`delete ${old.b}`, `delete ${old.a}`, `create ${now.a}`, `create ${now.b}`, `update ${old.c}`]);
    expect(now.c).toBe(old.c);
    expect(now.d).toBe(old.d);
    expect(engine.resource("b")!.inputs.zone).toBe("z2");
  });

  it("a condemned dependent gone from the program is deleted first and not re-created", async () => {
    const old = ids();
    const preview = await engine.preview(program("z3", { withB: false }));
    const before = writes().length;
    const up = await engine.up(program("z3", { withB: false }));
    assertPreviewMatchesUp(preview, up);
    expect(ops(up)).toEqual([
      ["a", "replace", "zone", "true"],
      ["d", "same", "", ""],
      ["c", "delete", "", ""],
      ["b", "delete", "", ""],
    ]);
    // b is deleted before a (it would have been replaced); c, gone too, goes before b as ever.
    const w = writes().slice(before);
    expect(w.indexOf(`delete ${old.b}`)).toBeLessThan(w.indexOf(`delete ${old.a}`));
    expect(w.filter((x) => x === `delete ${old.b}`)).toHaveLength(1);
    expect(w).toContain(`delete ${old.c}`);
    expect(engine.resource("b")).toBeUndefined();
  });

  it("refuses, deleting nothing, when such a dependent is protected", async () => {
    await engine.up(program("z3", { protectB: true }));
    const before = writes().length;
    await expect(engine.up(program("z4", { protectB: true }))).rejects.toThrow(/b is protected and would be replaced as part of replacing .*::a/);
    expect(writes().slice(before)).toEqual([]);
  });
});
