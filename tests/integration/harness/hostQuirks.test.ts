/**
 * The host's quirks that the reference (shared/reference/pulumi.md §2c, §2d) reports, seen through
 * the harness, so a change of SDK version that changes them shows up here first.
 */
import * as path from "path";
import type * as pulumi from "@pulumi/pulumi";
import { Engine, HostCallError, resource, serializeProvider, stripSecrets } from "../../harness";
import { FakeProvider } from "./fakeProvider";
import { Lab, repoRoot, startLab } from "./setup";

const opts = { module: "fake", type: "Thing" };

describe("host quirks seen through the harness", () => {
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

  it("Read and Delete run the provider text stored in the old outputs; Check and Diff the program's", async () => {
    const v1 = new FakeProvider("v1");
    const v2 = new FakeProvider("v2");
    await engine.up([resource(v1, "a", { size: 1 }, opts)]);
    const id = engine.resource("a")!.id;
    let mark = lab.store().journal.length;
    const callsSinceMark = (): [string, string][] =>
      lab.store().journal.slice(mark).filter((j) => j.op !== "configure").map((j) => [j.op, j.version]);

    // Only the provider text changed: v2's diff says no change, so v2's text is never stored.
    const up = await engine.up([resource(v2, "a", { size: 1 }, opts)]);
    expect(up.steps.map((s) => s.op)).toEqual(["same"]);
    await engine.refresh();
    expect(callsSinceMark()).toEqual([["check", "v2"], ["diff", "v2"], ["read", "v1"]]);

    // An update stores v2's text; from then on Read and Delete run v2.
    mark = lab.store().journal.length;
    await engine.up([resource(v2, "a", { size: 2 }, opts)]);
    await engine.refresh();
    await engine.destroy();
    expect(callsSinceMark()).toEqual([["check", "v2"], ["diff", "v2"], ["update", "v2"], ["read", "v2"], ["delete", "v2"]]);
    expect(lab.store().journal[lab.store().journal.length - 1]).toMatchObject({ op: "delete", id });
  });

  it("configure() runs once per distinct provider text per host process, lazily", async () => {
    const v3 = new FakeProvider("v3");
    const configures = (): number => lab.store().journal.filter((j) => j.op === "configure" && j.version === "v3").length;
    expect(configures()).toBe(0);
    // One host for three operations, each sending Configure: one configure() call, since the host
    // caches the configured provider by its text.
    const shared = new Engine({ host: lab.host, stateFile: path.join(lab.dir, "shared-host.json"), passphrase: "test" });
    await shared.up([resource(v3, "a", { size: 1 }, opts)]);
    await shared.up([resource(v3, "a", { size: 2 }, opts)]);
    await shared.destroy();
    expect(configures()).toBe(1);
    // As under the CLI, a host per operation: each operation's host configures the provider anew.
    await engine.up([resource(v3, "a", { size: 1 }, opts)]);
    await engine.up([resource(v3, "a", { size: 2 }, opts)]);
    await engine.destroy();
    expect(configures()).toBe(4);
  });

  it("each operation runs in a host of its own, stopped when the operation ends", async () => {
    const pids: number[] = [];
    const own = new Engine({
      hostOptions: { cwd: repoRoot, project: "lab", config: { "fake:backendFile": lab.backendFile } },
      stateFile: path.join(lab.dir, "own-hosts.json"),
      onHost: (h) => pids.push(h.pid!),
    });
    const p = [resource(new FakeProvider("v1"), "a", { size: 1 }, opts)];
    await own.preview(p);
    await own.up(p);
    await own.refresh();
    await own.destroy();
    expect(new Set(pids).size).toBe(4);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it("a provider without update() keeps only __provider as outputs after an update", async () => {
    const noUpdate = new FakeProvider("v1", { withUpdate: false });
    await engine.up([resource(noUpdate, "a", { size: 1 }, opts)]);
    expect(engine.resource("a")!.outputs.path).toMatch(/^\/things\//);
    await engine.up([resource(noUpdate, "a", { size: 2 }, opts)]);
    expect(Object.keys(engine.resource("a")!.outputs)).toEqual(["__provider"]);
    await engine.destroy();
  });

  it("Diff drops `stables` and sends no detailed diff", async () => {
    const v1 = new FakeProvider("v1");
    await engine.up([resource(v1, "a", { size: 1 }, opts)]);
    const a = engine.resource("a")!;
    const ref = { urn: a.urn, name: "a", type: a.type };
    const news = { ...(stripSecrets(a.inputs) as { [key: string]: number | string }), size: 5 };
    const diff = await lab.host.diff(ref, a.id, stripSecrets(a.outputs) as { [key: string]: string }, news, stripSecrets(a.inputs) as { [key: string]: string });
    expect(diff).toMatchObject({ changes: "some", replaces: [], stables: [], diffs: [], hasDetailedDiff: false });
    await engine.destroy();
  });

  it("an id-only Read (what `pulumi import` sends) fails: there is no provider text to run", async () => {
    const err = await lab.host.read({ urn: "urn:pulumi:dev::lab::x::y", name: "y", type: "x" }, "obj-1", undefined, undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostCallError);
    expect((err as HostCallError).details).toMatch(/code must be a string, not undefined/);
  });

  it("a Read that finds nothing answers an empty id", async () => {
    const text = (await serializeProvider(new FakeProvider("v1"))).text;
    const res = await lab.host.read({ urn: "urn:pulumi:dev::lab::x::y", name: "y", type: "x" }, "obj-gone", { __provider: text }, { __provider: text });
    expect(res.id).toBe("");
  });

  describe("what a serialized provider can require() in the host (cwd = the repo root)", () => {
    const probe = (f: () => unknown): pulumi.dynamic.ResourceProvider => ({
      async create() {
        return { id: "probe", outs: { got: String(f()) } };
      },
    });
    const got = async (p: pulumi.dynamic.ResourceProvider): Promise<unknown> => {
      await engine.up([resource(p, "probe", {}, opts)]);
      const value = engine.resource("probe")!.outputs.got;
      await engine.destroy();
      return value;
    };

    it("a package by name, resolved from the host's cwd", async () => {
      expect(await got(probe(() => typeof require("xml2js").parseString))).toBe("function");
      expect(await got(probe(() => process.cwd()))).toBe(repoRoot);
    });

    it("this package by its own name (what the sdk trampoline does) only where node_modules links it", async () => {
      // The trampoline requires "pulumi-applayering/dist/provider/..."; in this repo that resolves
      // only through a node_modules/pulumi-applayering link to the root. The host agrees with Node.
      let linked = true;
      try {
        require.resolve("pulumi-applayering/package.json", { paths: [repoRoot] });
      } catch {
        linked = false;
      }
      const name = got(probe(() => require("pulumi-applayering/package.json").name));
      if (linked) await expect(name).resolves.toBe("pulumi-applayering");
      else await expect(name).rejects.toThrow(/Cannot find module 'pulumi-applayering\/package.json'/);
    });

    it("a .ts file by absolute path only with its extension, and only where Node strips types", async () => {
      const file = path.join(__dirname, "fakeBackend");
      await expect(got(probe(() => typeof require(file).loadStore))).rejects.toThrow(/Cannot find module/);
      const withExt = got(probe(() => typeof require(file + ".ts").loadStore));
      const features = process.features as { typescript?: string | false };
      if (features.typescript) await expect(withExt).resolves.toBe("function");
      else await expect(withExt).rejects.toThrow();
    });
  });
});
