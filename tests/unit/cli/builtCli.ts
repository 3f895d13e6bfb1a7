/**
 * Builds the CLI (and only what it imports) into a temporary folder with the project's tsc
 * (transpile only: `tsc -p` type-checks the project) and runs it as the installed `applayering` would run: `node <out>/cli/main.js`.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";

const ROOT = join(__dirname, "..", "..", "..");

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export class BuiltCli {
  private constructor(readonly outDir: string) {}

  static build(): BuiltCli {
    const outDir = mkdtempSync(join(tmpdir(), "applayering-cli-"));
    const tsc = require.resolve("typescript/bin/tsc", { paths: [ROOT] });
    const r = spawnSync(
      process.execPath,
      [tsc, "--ignoreConfig", "--noCheck", join(ROOT, "cli", "main.ts"), "--outDir", outDir, "--rootDir", ROOT, "--module", "commonjs", "--target", "ES2022",
        "--strict", "--esModuleInterop", "--skipLibCheck", "--types", "node", "--ignoreDeprecations", "6.0", "--moduleResolution", "node10"],
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`building the CLI failed:\n${r.stdout}${r.stderr}`);
    return new BuiltCli(outDir);
  }

  run(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): RunResult {
    const r = spawnSync(process.execPath, [join(this.outDir, "cli", "main.js"), ...args], {
      cwd: opts.cwd ?? ROOT,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", NODE_PATH: join(ROOT, "node_modules"), ...opts.env },
      timeout: 60000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  dispose(): void {
    rmSync(this.outDir, { recursive: true, force: true });
  }
}
