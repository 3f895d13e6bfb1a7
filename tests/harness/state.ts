/**
 * The stack's state file: a JSON checkpoint in the spirit of Pulumi's, rewritten after every step so an
 * interrupted or failed operation leaves what really exists on record. In memory secrets are plaintext
 * wire secrets; on disk each one is `{<sig>: <secret sig>, ciphertext}` as in Pulumi's state.
 */
import * as fs from "fs";
import * as path from "path";
import { PassphraseCrypter } from "./crypter";
import { isEncryptedSecret, isObject, isSecret, JsonValue, PropertyMap, SECRET_SIG, SIG_KEY } from "./wire";

export interface ResourceState {
  urn: string;
  /** The type token, e.g. `pulumi-nodejs:dynamic/lab:Machine`. */
  type: string;
  /** The provider's id; "" only for a resource read in preview (never persisted). */
  id: string;
  /** Checked inputs (the result of Check), secrets marked. */
  inputs: PropertyMap;
  /** Outputs (the provider's result, `__provider` included), secrets marked. */
  outputs: PropertyMap;
  /** URNs this resource depends on (references and `dependsOn`). */
  dependencies: string[];
  /** Input key -> the URNs its value came from: which inputs a replaced dependency may change. */
  propertyDependencies?: { [key: string]: string[] };
  protect?: boolean;
  retainOnDelete?: boolean;
  additionalSecretOutputs?: string[];
  /** Read with `get` rather than managed: destroy forgets it without calling Delete. */
  external?: boolean;
  /** Reasons of a partial failure (ErrorResourceInitFailed); the next `up` updates the resource. */
  initErrors?: string[];
  /** The old half of a create-before-delete replacement whose delete has not run yet. */
  pendingDelete?: boolean;
}

/**
 * A step the engine began and never saw end (the CLI killed mid-step): recorded when the step
 * starts, dropped when it ends. The next operation warns about it, as the CLI does.
 */
export interface PendingOperation {
  urn: string;
  type: "creating" | "updating" | "deleting";
}

export interface StackState {
  resources: ResourceState[];
  /** Steps interrupted by the engine's own death; kept until a refresh clears them (not creates). */
  pendingOperations?: PendingOperation[];
  /** The stack's exports (`export const x = ...` in the program), secrets marked. */
  outputs?: PropertyMap;
}

interface StateDocument {
  version: 1;
  secretsProvider: { type: "passphrase"; salt: string };
  resources: ResourceState[];
  outputs?: PropertyMap;
  pendingOperations?: PendingOperation[];
}

function mapSecrets(v: JsonValue, f: (secret: { [key: string]: JsonValue }) => JsonValue): JsonValue {
  if (isSecret(v) || isEncryptedSecret(v)) return f(v);
  if (Array.isArray(v)) return v.map((x) => mapSecrets(x, f));
  if (isObject(v)) {
    const out: PropertyMap = {};
    for (const [k, x] of Object.entries(v)) out[k] = mapSecrets(x, f);
    return out;
  }
  return v;
}

export class StateFile {
  private crypter: PassphraseCrypter | undefined;

  constructor(readonly file: string, private readonly passphrase: string) {}

  load(): StackState {
    if (!fs.existsSync(this.file)) return { resources: [] };
    const doc = JSON.parse(fs.readFileSync(this.file, "utf8")) as StateDocument;
    const crypter = this.crypterFor(doc.secretsProvider.salt);
    const decrypt = (s: { [key: string]: JsonValue }): JsonValue => {
      if (isSecret(s)) return s; // not expected on disk, but harmless
      return { [SIG_KEY]: SECRET_SIG, value: JSON.parse(crypter.decrypt(String(s.ciphertext))) as JsonValue };
    };
    const state: StackState = {
      resources: doc.resources.map((r) => ({
        ...r,
        inputs: mapSecrets(r.inputs, decrypt) as PropertyMap,
        outputs: mapSecrets(r.outputs, decrypt) as PropertyMap,
      })),
    };
    if (doc.outputs) state.outputs = mapSecrets(doc.outputs, decrypt) as PropertyMap;
    if (doc.pendingOperations?.length) state.pendingOperations = doc.pendingOperations;
    return state;
  }

  /** The engine's process is gone (Engine.crash): nothing more reaches the file. */
  frozen = false;

  save(state: StackState): void {
    if (this.frozen) return;
    const crypter = this.crypterFor(this.existingSalt() ?? PassphraseCrypter.newSalt());
    const encrypt = (s: { [key: string]: JsonValue }): JsonValue => {
      if (!isSecret(s)) return s;
      return { [SIG_KEY]: SECRET_SIG, ciphertext: crypter.encrypt(JSON.stringify(s.value)) };
    };
    const doc: StateDocument = {
      version: 1,
      secretsProvider: { type: "passphrase", salt: crypter.salt },
      resources: state.resources.map((r) => ({
        ...r,
        inputs: mapSecrets(r.inputs, encrypt) as PropertyMap,
        outputs: mapSecrets(r.outputs, encrypt) as PropertyMap,
      })),
    };
    if (state.outputs) doc.outputs = mapSecrets(state.outputs, encrypt) as PropertyMap;
    if (state.pendingOperations?.length) doc.pendingOperations = state.pendingOperations;
    // Write then rename, so a crash never leaves a half-written checkpoint.
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(doc, null, 2) + "\n");
    fs.renameSync(tmp, this.file);
  }

  private existingSalt(): string | undefined {
    if (this.crypter) return this.crypter.salt;
    if (!fs.existsSync(this.file)) return undefined;
    return (JSON.parse(fs.readFileSync(this.file, "utf8")) as StateDocument).secretsProvider.salt;
  }

  private crypterFor(salt: string): PassphraseCrypter {
    if (!this.crypter || this.crypter.salt !== salt) this.crypter = new PassphraseCrypter(this.passphrase, salt);
    return this.crypter;
  }
}
