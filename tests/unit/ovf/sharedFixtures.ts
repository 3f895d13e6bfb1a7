/**
 * Fixtures kept outside the project, in the repository's `../shared` (never copied in).
 * From a git worktree, `../shared` is taken beside the main checkout the worktree belongs to.
 */
import { spawnSync } from "child_process";
import { existsSync } from "fs";
import { dirname, join, resolve } from "path";

const ROOT = join(__dirname, "..", "..", "..");

function candidates(): string[] {
  const out = [resolve(ROOT, "..", "shared")];
  const git = spawnSync("git", ["rev-parse", "--path-format=absolute", "--git-common-dir"], { cwd: ROOT, encoding: "utf8" });
  if (git.status === 0 && git.stdout.trim()) out.push(resolve(dirname(git.stdout.trim()), "..", "shared"));
  return out;
}

/** The absolute path of `../shared/<parts>`; throws (the test fails, it is not skipped) when it is not there. */
export function sharedPath(...parts: string[]): string {
  const tried = candidates().map((c) => join(c, ...parts));
  const found = tried.find((p) => existsSync(p));
  if (!found) throw new Error(`shared fixtures not found; looked at ${tried.join(", ")}: check out the shared folder beside the repository`);
  return found;
}
