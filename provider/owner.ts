/**
 * Which stack made an object: the marks we leave in vSphere notes and ELM audit comments carry it,
 * so a re-run adopts its own objects and never another stack's of the same name. The engine gives
 * the provider host the project and stack in its environment.
 */
export const PRODUCT_MARK = "pulumi-applayering";

export function ownerTag(env: NodeJS.ProcessEnv = process.env): string {
  const project = env.PULUMI_PROJECT ?? env.PULUMI_NODEJS_PROJECT;
  const stack = env.PULUMI_STACK ?? env.PULUMI_NODEJS_STACK;
  return project && stack ? `${project}/${stack}` : (project ?? "");
}

/** The mark to leave: `[pulumi-applayering project/stack]`. */
export function ownerMark(env: NodeJS.ProcessEnv = process.env): string {
  const owner = ownerTag(env);
  return `[${PRODUCT_MARK}${owner ? ` ${owner}` : ""}]`;
}

/** Whether a text carries our mark for this stack (or a mark without a stack, from a bare run). */
export function markedByUs(text: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return text.includes(ownerMark(env)) || text.includes(`[${PRODUCT_MARK}]`);
}
