/**
 * A small dynamic provider over fakeBackend.ts, for testing the harness (not our real providers).
 * Inputs: `size` (number, required), `color` (default "blue"), `zone` (change => replace),
 * `exclusive` (true => delete before replace), `password` (echoed as an output of the same name),
 * `failAfterCreate` ("with-provider" | "without-provider": throw a partial failure after creating),
 * `slowMs` (create waits this long first: a step to interrupt).
 * Outputs: the inputs plus `path`, `serial`, `token` (derived from the password) and `version`.
 * Its store file comes from config `fake:backendFile`, so every call depends on configure().
 */
import * as crypto from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import { FakeObject, withStore } from "./fakeBackend";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

type Props = { [key: string]: unknown };

export class FakeProvider implements pulumi.dynamic.ResourceProvider {
  // TS `private`, not `#private`: the latter serializes but crashes in the host (reference §2d).
  private file = "";

  constructor(
    private readonly version: string,
    private readonly options: {
      /** false: no update() method (the host then keeps only `__provider` as outputs). */
      withUpdate?: boolean;
      /**
       * Inputs fed by outputs that never change on update: an unknown there (preview, upstream
       * changing) means "unchanged". Without this a dependent shows as updating in every preview in
       * which its upstream changes, though up then finds nothing to do (Pulumi behaves the same).
       */
      stableWhenUnknown?: string[];
    } = {},
  ) {}

  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    this.file = String(req.config.require("fake:backendFile"));
    const pw = req.config.get("fake:password");
    const passwordSha256 = pw === undefined ? undefined : crypto.createHash("sha256").update(String(pw)).digest("hex");
    withStore(this.file, (s) => s.journal.push({ op: "configure", version: this.version, passwordSha256 }));
  }

  async check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
    const unknowns = Object.keys(news).filter((k) => news[k] === UNKNOWN);
    withStore(this.file, (s) => s.journal.push({ op: "check", version: this.version, name: String(news.name ?? ""), unknowns }));
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (news.size !== UNKNOWN && (typeof news.size !== "number" || news.size <= 0)) {
      failures.push({ property: "size", reason: "size must be a positive number of GB, e.g. size: 10" });
    }
    // Auto-name once, keep it while the object lives; a replacement (Check without olds) gets a new one.
    const name = news.name ?? olds.name ?? `thing-${crypto.randomBytes(3).toString("hex")}`;
    return { inputs: { color: "blue", zone: "a", ...news, name }, failures };
  }

  async diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult> {
    const unknowns = Object.keys(news).filter((k) => news[k] === UNKNOWN);
    withStore(this.file, (s) => s.journal.push({ op: "diff", version: this.version, id, unknowns }));
    const keys = ["size", "color", "zone", "password", "exclusive", "name"];
    const stable = this.options.stableWhenUnknown ?? [];
    const changed = keys.filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]) && !(news[k] === UNKNOWN && stable.includes(k)));
    const replaces = changed.filter((k) => k === "zone" || k === "name");
    return {
      changes: changed.length > 0,
      replaces,
      deleteBeforeReplace: news.exclusive === true,
      // The host drops this (reference §2c); a test checks that.
      stables: ["path"],
    };
  }

  async create(inputs: Props): Promise<pulumi.dynamic.CreateResult> {
    if (typeof inputs.slowMs === "number") await new Promise((resolve) => setTimeout(resolve, inputs.slowMs as number));
    const obj = withStore(this.file, (s) => {
      const o: FakeObject = {
        id: `obj-${s.next++}`,
        name: String(inputs.name),
        size: Number(inputs.size),
        color: String(inputs.color),
        zone: String(inputs.zone),
      };
      if (inputs.password !== undefined) o.secret = String(inputs.password);
      s.objects[o.id] = o;
      s.journal.push({ op: "create", version: this.version, id: o.id, name: o.name });
      return o;
    });
    process.stderr.write(`[fake ${this.version}] created ${obj.name} as ${obj.id}\n`);
    const outs = this.outputs(obj, inputs);
    if (inputs.failAfterCreate) {
      const properties = inputs.failAfterCreate === "with-provider" ? { ...outs, __provider: inputs.__provider } : outs;
      throw Object.assign(new Error(`${obj.name}: created as ${obj.id} but it did not become ready`), {
        id: obj.id,
        properties,
        reasons: ["not ready after 0 minutes"],
      });
    }
    return { id: obj.id, outs };
  }

  async read(id: string, props: Props): Promise<pulumi.dynamic.ReadResult> {
    const obj = withStore(this.file, (s) => {
      s.journal.push({ op: "read", version: this.version, id });
      return s.objects[id];
    });
    if (!obj) return { id: undefined };
    const outs = this.outputs(obj, props);
    const inputs: Props = { ...props, size: obj.size, color: obj.color, zone: obj.zone, name: obj.name };
    for (const k of ["path", "serial", "token", "version", "__provider"]) delete inputs[k];
    return { id, props: outs, inputs };
  }

  async update(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult> {
    if (this.options.withUpdate === false) return {};
    const obj = withStore(this.file, (s) => {
      const o = s.objects[id];
      if (!o) throw new Error(`update: object ${id} does not exist`);
      o.size = Number(news.size);
      o.color = String(news.color);
      if (news.password !== undefined) o.secret = String(news.password);
      s.journal.push({ op: "update", version: this.version, id });
      return o;
    });
    process.stderr.write(`[fake ${this.version}] updated ${obj.id}\n`);
    return { outs: this.outputs(obj, news) };
  }

  async delete(id: string): Promise<void> {
    withStore(this.file, (s) => {
      delete s.objects[id];
      s.journal.push({ op: "delete", version: this.version, id });
    });
  }

  private outputs(obj: FakeObject, inputs: Props): Props {
    const outs: Props = { ...inputs, size: obj.size, color: obj.color, zone: obj.zone, name: obj.name, path: `/things/${obj.id}`, serial: Number(obj.id.slice(4)), version: this.version };
    delete outs.__provider;
    delete outs.failAfterCreate;
    if (obj.secret !== undefined) outs.token = `token-for-${obj.secret}`;
    return outs;
  }
}
