/**
 * What `npm pack` ships: the library, the CLI and the simulators `applayering sim` starts — no
 * tests — and every relative require of a shipped file resolves to another shipped file (so the
 * CLI never reaches into a folder the package leaves out). Needs the build (`npm test` runs tsc first).
 */
import { execFileSync } from "child_process";
import * as path from "path";

const repo = path.resolve(__dirname, "../../..");

function packedFiles(): string[] {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repo, stdio: ["ignore", "pipe", "ignore"] }).toString();
  const [entry] = JSON.parse(out) as { files: { path: string }[] }[];
  return entry.files.map((f) => f.path);
}

describe("the npm package", () => {
  const files = packedFiles();
  const shipped = new Set(files);

  it("ships the library, the CLI, the simulators and the launcher's sources, and no tests", () => {
    expect(files).toEqual(expect.arrayContaining(["dist/sdk/index.js", "dist/cli/main.js", "dist/sim/peers.js", "sim/vcsim/build.sh", "sim/vcsim/main.go"]));
    expect(files.filter((f) => f.startsWith("tests/") || f.startsWith("dist/tests/") || f.endsWith("_test.go") || f.includes(".test."))).toEqual([]);
  });

  it("has every relative require of a shipped file inside the package", () => {
    const fs = jest.requireActual<typeof import("fs")>("fs");
    const missing: string[] = [];
    for (const f of files.filter((p) => p.endsWith(".js"))) {
      const text = fs.readFileSync(path.join(repo, f), "utf8");
      for (const m of text.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1]));
        if (![`${target}.js`, `${target}/index.js`, target].some((t) => shipped.has(t))) missing.push(`${f} -> ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
