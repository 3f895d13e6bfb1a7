/**
 * Programs and the dynamic-provider host resolve `pulumi-applayering` from node_modules, as they
 * would with the package installed; in this repository that is a link to the repository itself.
 * Jest runs it before the tests; the demo and the benchmarks before they start a host.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The repository root, from the sources or from their build in dist/. */
export function repositoryRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json")) || path.basename(dir) === "dist") dir = path.dirname(dir);
  return dir;
}

export default function linkPackage(): void {
  const root = repositoryRoot();
  const link = path.join(root, "node_modules", "pulumi-applayering");
  try {
    if (fs.realpathSync(link) === root) return;
    fs.rmSync(link, { recursive: true, force: true });
  } catch {
    // no link yet
  }
  fs.symlinkSync("..", link, "dir");
}
