/**
 * diff() for every resource: which top-level inputs changed, split into those that force a
 * replacement and those updated in place. No I/O; the unknown sentinel of a preview compares as
 * a change, so a preview never predicts less than the update does.
 */

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

type Props = Record<string, unknown>;

/** Top-level keys whose values differ between two input sets (deep, order-sensitive). */
export function changedKeys(olds: Props, news: Props, keys: readonly string[]): string[] {
  return keys.filter((k) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null));
}

/**
 * The diff of `news` against the old outputs. `deleteFirst` says, given the keys that force a
 * replacement, whether the old object must go before the new one is made (a name that stays).
 */
export function keyDiff(
  olds: object,
  news: object,
  replaceKeys: readonly string[],
  updateKeys: readonly string[],
  deleteFirst: (replaces: string[]) => boolean = () => false,
): DiffResult {
  const replaces = changedKeys(olds as Props, news as Props, replaceKeys);
  const updates = changedKeys(olds as Props, news as Props, updateKeys).filter((k) => !replaces.includes(k));
  return { changes: replaces.length + updates.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && deleteFirst(replaces) };
}
