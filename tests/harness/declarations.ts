/**
 * Runs a declaration list (program.ts) the way the Node SDK runs a program: every resource is
 * registered as soon as the resources it references (or `dependsOn`) have been registered and
 * stepped, so independent resources step concurrently. References are resolved as the SDK would
 * (resolve.ts); `__provider` is the provider text `dynamic.Resource` serializes.
 */
import { Deployment, Registered } from "./deployment";
import { InputMap, OutputRef, Program, ResourceDeclaration, serializeProvider } from "./program";
import { LiveResource, resolveInputs } from "./resolve";
import { makeUrn } from "./urn";
import { makeSecret, PROVIDER_KEY } from "./wire";

function referencedNames(inputs: InputMap): string[] {
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (v instanceof OutputRef) names.add(v.resource);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) Object.values(v).forEach(walk);
  };
  walk(inputs);
  return [...names];
}

export async function runDeclarations(program: Program, deployment: Deployment, project: string, stack: string): Promise<void> {
  const started = new Map<string, Promise<Registered>>();
  const live = new Map<string, LiveResource>();
  const urnOf = new Map<string, string>();

  const one = async (decl: ResourceDeclaration, seq: number): Promise<Registered> => {
    const urn = makeUrn(stack, project, decl.type, decl.name);
    const needs = [...new Set([...referencedNames(decl.inputs), ...(decl.options.dependsOn ?? [])])];
    for (const n of needs) {
      const dep = started.get(n);
      if (!dep) {
        const what = (decl.options.dependsOn ?? []).includes(n) && !referencedNames(decl.inputs).includes(n)
          ? `dependsOn "${n}", which is not declared before it`
          : `input refers to "${n}", but "${n}" is not declared before "${decl.name}" in the program`;
        return deployment.step(urn, async () => {
          throw new Error(`${decl.name}: ${what}`);
        });
      }
    }
    // Like the SDK: a dependency that failed fails this registration too (its outputs never resolve).
    await Promise.all(needs.map((n) => started.get(n)!));
    const provider = await serializeProvider(decl.provider);
    const { props, references } = resolveInputs(decl.name, decl.inputs, live);
    // dynamic.Resource stores the provider text as a secret when the closure captured a secret.
    props[PROVIDER_KEY] = provider.containsSecrets ? makeSecret(provider.text) : provider.text;
    const dependencies = [...new Set([...references, ...(decl.options.dependsOn ?? [])])].map((n) => urnOf.get(n)!);
    const propertyDependencies: { [key: string]: string[] } = {};
    for (const [k, v] of Object.entries(decl.inputs)) {
      const names = referencedNames({ [k]: v });
      if (names.length > 0) propertyDependencies[k] = names.map((n) => urnOf.get(n)!);
    }
    const res = await deployment.register({
      urn,
      type: decl.type,
      name: decl.name,
      inputs: props,
      dependencies,
      propertyDependencies,
      options: decl.options,
      getId: decl.getId,
      seq,
    });
    live.set(decl.name, { id: res.id, outputs: res.outputs, predicted: res.predicted });
    return res;
  };

  const all: Promise<Registered>[] = [];
  program.forEach((decl, seq) => {
    if (started.has(decl.name)) {
      all.push(deployment.step(makeUrn(stack, project, decl.type, decl.name), async () => {
        throw new Error(`duplicate resource name "${decl.name}"`);
      }));
      return;
    }
    urnOf.set(decl.name, makeUrn(stack, project, decl.type, decl.name));
    const p = one(decl, seq);
    started.set(decl.name, p);
    all.push(p);
  });
  await Promise.allSettled(all);
}
