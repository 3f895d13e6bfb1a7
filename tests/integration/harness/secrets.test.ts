/**
 * Secrets under the harness: stack config secrets reach configure() in plaintext; secret inputs,
 * same-named outputs and additionalSecretOutputs are stored encrypted; the state file never holds a
 * secret in plaintext, except where Pulumi itself would put it there (the traps are shown too).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { Engine, isSecret, resource, secret, SECRET_SIG, SIG_KEY } from "../../harness";
import { FakeProvider } from "./fakeProvider";
import { Lab, startLab } from "./setup";

const CONFIG_PW = "config-pw-0x5eC";
const INPUT_PW = "input-pw-0x5eC";
const opts = { module: "fake", type: "Thing" };
const things = new FakeProvider("v1");

describe("harness secrets", () => {
  let lab: Lab;
  let engine: Engine;
  const stateText = (): string => fs.readFileSync(engine.stateFile, "utf8");

  beforeAll(async () => {
    lab = await startLab({ "fake:password": secret(CONFIG_PW) });
    engine = lab.engine();
  });
  afterAll(async () => {
    await lab.close();
  });

  it("a secret config value reaches configure() unwrapped", async () => {
    await engine.up([resource(things, "a", { size: 1 }, opts)]);
    const configure = lab.store().journal.find((j) => j.op === "configure");
    expect(configure?.passwordSha256).toBe(crypto.createHash("sha256").update(CONFIG_PW).digest("hex"));
    expect(stateText()).not.toContain(CONFIG_PW);
  });

  it("secret inputs, their same-named outputs and additionalSecretOutputs are encrypted in state", async () => {
    const a = resource(things, "a", { size: 1, password: secret(INPUT_PW) }, { ...opts, additionalSecretOutputs: ["token"] });
    // A reference to a secret output stays secret (an Output keeps its secret bit).
    const b = resource(things, "b", { size: 1, password: a.output("password") }, { ...opts, additionalSecretOutputs: ["token"] });
    await engine.up([a, b]);
    const text = stateText();
    expect(text).not.toContain(INPUT_PW);
    expect(text).toContain(`"${SIG_KEY}": "${SECRET_SIG}"`);
    expect(text).toContain('"ciphertext": "v1:');
    // The provider got the plaintext (the host says acceptSecrets=false, so the engine strips them).
    expect(lab.store().objects[engine.resource("a")!.id].secret).toBe(INPUT_PW);
    const stateA = engine.resource("a")!;
    expect(isSecret(stateA.inputs.password)).toBe(true);
    expect(isSecret(stateA.outputs.password)).toBe(true);
    expect(stateA.outputs.token).toEqual({ [SIG_KEY]: SECRET_SIG, value: `token-for-${INPUT_PW}` });
    expect(isSecret(engine.resource("b")!.inputs.password)).toBe(true);
    await engine.destroy();
  });

  it("reproduces the trap: a derived output without additionalSecretOutputs lands in plaintext", async () => {
    await engine.up([resource(things, "a", { size: 1, password: secret(INPUT_PW) }, opts)]);
    expect(stateText()).toContain(`token-for-${INPUT_PW}`);
    await engine.destroy();
    expect(stateText()).not.toContain(INPUT_PW);
  });

  it("a refresh keeps secrets secret", async () => {
    await engine.up([resource(things, "a", { size: 1, password: secret(INPUT_PW) }, { ...opts, additionalSecretOutputs: ["token"] })]);
    const refresh = await engine.refresh();
    expect(refresh.steps.map((s) => s.op)).toEqual(["same"]);
    expect(stateText()).not.toContain(INPUT_PW);
    expect(isSecret(engine.resource("a")!.inputs.password)).toBe(true);
    await engine.destroy();
  });

  it("a closure that captured a secret Output stores __provider as a secret", async () => {
    const captured = pulumi.secret("captured-0x5eC");
    const capturing: pulumi.dynamic.ResourceProvider = {
      async create() {
        // Referencing the Output is enough to capture it; the host sees an Output-like object.
        return { id: "c1", outs: { sawOutput: typeof captured === "object" } };
      },
    };
    await engine.up([resource(capturing, "c", {}, opts)]);
    const c = engine.resource("c")!;
    expect(isSecret(c.inputs.__provider)).toBe(true);
    expect(c.outputs.sawOutput).toBe(true);
    expect(stateText()).not.toContain("captured-0x5eC");
    await engine.destroy();
  });

  it("reproduces the trap: a captured plain string is plaintext in __provider", async () => {
    const apiKey = "plain-captured-0x5eC";
    const capturing: pulumi.dynamic.ResourceProvider = {
      async create() {
        return { id: "p1", outs: { keyLength: apiKey.length } };
      },
    };
    await engine.up([resource(capturing, "p", {}, opts)]);
    expect(stateText()).toContain(apiKey);
    await engine.destroy();
  });

  it("the state file cannot be read with another passphrase", async () => {
    await engine.up([resource(things, "a", { size: 1, password: secret(INPUT_PW) }, opts)]);
    const other = new Engine({ host: lab.host, stateFile: engine.stateFile, passphrase: "wrong" });
    expect(() => other.state()).toThrow(/wrong passphrase/);
    await engine.destroy();
  });
});
