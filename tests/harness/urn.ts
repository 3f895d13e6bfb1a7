/** URNs as the engine builds them for a top-level resource: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function makeUrn(stack: string, project: string, type: string, name: string): string {
  return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

export function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}
