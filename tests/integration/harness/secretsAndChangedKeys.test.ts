/** The harness's generic pieces, without a host: secret marking, comparison, ignoreChanges, references, state at rest. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { annotateSecrets, makeSecret, ref, secret, StateFile, stripSecrets, UNKNOWN } from "../../harness";
import { changedKeys } from "../../harness/compare";
import { applyIgnoreChanges } from "../../harness/ignoreChanges";
import { resolveInputs, LiveResource } from "../../harness/resolve";
import { configEnv, configureArgs, configureVariables } from "../../harness/config";

describe("secrets", () => {
  it("strips wrappers everywhere and re-marks by name like the engine", () => {
    const ins = { pw: makeSecret("x"), nested: { inner: makeSecret("y"), plain: 1 }, list: [1, makeSecret(2)], whole: makeSecret({ a: 1 }) };
    expect(stripSecrets(ins)).toEqual({ pw: "x", nested: { inner: "y", plain: 1 }, list: [1, 2], whole: { a: 1 } });
    const outs = { pw: "x", nested: { inner: "y", plain: 1, extra: 3 }, list: [2, 1], whole: { a: 1, b: 2 }, other: "z" };
    expect(annotateSecrets(outs, ins)).toEqual({
      pw: makeSecret("x"),
      // objects on both sides: recurse, only the secret leaf is marked
      nested: { inner: makeSecret("y"), plain: 1, extra: 3 },
      // an array with a secret element is secret as a whole (order may not be kept)
      list: makeSecret([2, 1]),
      whole: makeSecret({ a: 1, b: 2 }),
      other: "z",
    });
  });
});

describe("changedKeys", () => {
  it("looks through secrets and never calls an unknown equal", () => {
    expect(changedKeys({ a: 1, b: makeSecret("s"), c: UNKNOWN, d: [1] }, { a: 1, b: "s", c: UNKNOWN, e: 2 })).toEqual(["c", "d", "e"]);
  });
});

describe("applyIgnoreChanges", () => {
  it("restores old values of ignored paths, removing those that had none", () => {
    const olds = { color: "green", tags: { owner: "me", env: "dev" } };
    const news = { color: "red", tags: { owner: "you", env: "prod" }, extra: 1 };
    expect(applyIgnoreChanges(news, olds, ["color", "tags.owner", "extra", "missing.deep"])).toEqual({
      color: "green",
      tags: { owner: "me", env: "prod" },
    });
    expect(news.color).toBe("red"); // input left untouched
  });
});

describe("resolveInputs", () => {
  const live = new Map<string, LiveResource>([
    ["done", { id: "id-1", outputs: { path: "/p", pw: makeSecret("s") }, predicted: false }],
    ["changing", { id: "", outputs: { size: 2 }, predicted: true }],
  ]);

  it("resolves references, keeps secrets, predicts unknowns and drops missing outputs", () => {
    const r = resolveInputs("me", {
      path: ref("done", "path"),
      pw: ref("done", "pw"),
      wrapped: secret(ref("done", "path")),
      missing: ref("done", "nope"),
      list: [ref("done", "nope"), ref("done", "path")],
      size: ref("changing", "size"),
      later: ref("changing", "path"),
      id: { of: ref("changing", "path") },
    }, live);
    expect(r.props).toEqual({
      path: "/p",
      pw: makeSecret("s"),
      wrapped: makeSecret("/p"),
      list: [null, "/p"],
      size: 2,
      later: UNKNOWN,
      id: { of: UNKNOWN },
    });
    expect(r.references.sort()).toEqual(["changing", "done"]);
  });

  it("refuses a reference to a resource not declared before", () => {
    expect(() => resolveInputs("me", { x: ref("ghost", "y") }, live)).toThrow(/"ghost" is not declared before "me"/);
  });
});

describe("config encodings", () => {
  const config = { "vsphere:password": secret("pw"), region: "eu", "applayering:elmInsecure": "true" };
  it("namespaces keys and keeps secrets only in Configure args", () => {
    expect(configureArgs(config, "lab")).toEqual({ "vsphere:password": makeSecret("pw"), "lab:region": "eu", "applayering:elmInsecure": "true" });
    expect([...configureVariables(config, "lab")]).toEqual([
      ["vsphere:config:password", "pw"],
      ["lab:config:region", "eu"],
      ["applayering:config:elmInsecure", "true"],
    ]);
    expect(JSON.parse(configEnv(config, "lab").PULUMI_CONFIG_SECRET_KEYS)).toEqual(["vsphere:password"]);
  });
});

describe("StateFile", () => {
  it("encrypts secrets at rest and reads them back", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harness-state-"));
    try {
      const file = new StateFile(path.join(dir, "s.json"), "pass");
      const resource = { urn: "u", type: "t", id: "1", inputs: { pw: makeSecret("hunter2") }, outputs: { list: makeSecret(["hunter2"]) }, dependencies: [] };
      file.save({ resources: [resource] });
      const text = fs.readFileSync(path.join(dir, "s.json"), "utf8");
      expect(text).not.toContain("hunter2");
      expect(new StateFile(path.join(dir, "s.json"), "pass").load()).toEqual({ resources: [resource] });
      // The salt stays with the file across saves.
      const salt = JSON.parse(text).secretsProvider.salt;
      file.save({ resources: [] });
      expect(JSON.parse(fs.readFileSync(path.join(dir, "s.json"), "utf8")).secretsProvider.salt).toBe(salt);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
