/** True when an href is a plain file name (no folder, no URL): the only kind a folder-of-files OVF may use. */
export function isPlainFileName(href: string): boolean {
  return href !== "" && href !== "." && href !== ".." && !/[\\/:]/.test(href);
}
