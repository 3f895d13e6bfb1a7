/**
 * Stack configuration and the three forms in which the engine hands it to the `pulumi-nodejs`
 * provider: the Configure `args` Struct (the whole stack config, namespaced keys, secrets kept as
 * wrappers), the legacy `variables` map (`ns:config:key` -> string) and the `PULUMI_CONFIG` env JSON.
 */
import { stripSecrets } from "./secrets";
import { isSecret, JsonValue, PropertyMap } from "./wire";

/**
 * Keys are namespaced (`vsphere:password`, `applayering:elmAddress`); a key without a namespace
 * belongs to the project, as in `Pulumi.<stack>.yaml`. Mark secrets with `secret()` from program.ts.
 * Give values as strings (`"true"`, `"443"`), as `pulumi config set` stores them: that is what a
 * provider's configure() receives under the CLI.
 */
export type StackConfig = { [key: string]: JsonValue };

export function qualifyKey(key: string, project: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/** Configure `args`: every key namespaced, secrets still wrapped (the engine keeps them here). */
export function configureArgs(config: StackConfig, project: string): PropertyMap {
  const args: PropertyMap = {};
  for (const [k, v] of Object.entries(config)) args[qualifyKey(k, project)] = v;
  return args;
}

function plainString(v: JsonValue): string {
  const plain = stripSecrets(v);
  return typeof plain === "string" ? plain : JSON.stringify(plain);
}

/** The legacy `variables` map: `ns:config:key` -> plaintext string. */
export function configureVariables(config: StackConfig, project: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const [k, v] of Object.entries(config)) {
    const full = qualifyKey(k, project);
    const i = full.indexOf(":");
    vars.set(`${full.slice(0, i)}:config:${full.slice(i + 1)}`, plainString(v));
  }
  return vars;
}

/** `PULUMI_CONFIG` and `PULUMI_CONFIG_SECRET_KEYS`, as the engine sets them for Node programs. */
export function configEnv(config: StackConfig, project: string): { [name: string]: string } {
  const values: { [key: string]: string } = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    const full = qualifyKey(k, project);
    values[full] = plainString(v);
    if (isSecret(v)) secretKeys.push(full);
  }
  return { PULUMI_CONFIG: JSON.stringify(values), PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys) };
}
