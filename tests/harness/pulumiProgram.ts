/**
 * A real Pulumi program (a folder with `package.json` and `index.ts`/`index.js`), run as the
 * `pulumi-language-nodejs` host runs it: `node <@pulumi/pulumi/cmd/run> --monitor --engine
 * --project --stack --organization --root-directory --pwd --parallel [--dry-run] .` with the stack
 * config in `PULUMI_CONFIG`, from the program's folder, so the SDK's own runtime serializes the
 * providers, resolves outputs (unknown during preview), keeps secrets and registers the exports.
 */
import { ChildProcess, spawn } from "child_process";
import * as readline from "readline";
import { configEnv, StackConfig } from "./config";
import { HostLine } from "./hostProcess";

export interface PulumiProgramOptions {
  /** Run `index.ts` through the SDK's ts-node (`runtime.options.typescript` in Pulumi.yaml). Default: true. */
  typescript?: boolean;
  /**
   * Skip type-checking (`PULUMI_NODEJS_TRANSPILE_ONLY`). Default: true, since tsc checks the
   * examples elsewhere and a type-check costs seconds per operation.
   */
  transpileOnly?: boolean;
  /** Extra environment for the program. */
  env?: NodeJS.ProcessEnv;
}

export class PulumiProgram {
  constructor(readonly dir: string, readonly options: PulumiProgramOptions = {}) {}
}

/** `pulumiProgram("examples/os-layer")`: what `pulumi up` in that folder would run. */
export function pulumiProgram(dir: string, options: PulumiProgramOptions = {}): PulumiProgram {
  return new PulumiProgram(dir, options);
}

export interface ProgramRunSettings {
  monitor: string;
  engine: string;
  project: string;
  stack: string;
  organization?: string;
  config: StackConfig;
  dryRun: boolean;
  parallel: number;
  onLine?: (line: HostLine) => void;
}

export interface ProgramRun {
  lines: HostLine[];
  /** Resolves with the exit code (null when killed). */
  exited: Promise<number | null>;
  kill(): void;
}

// Killed with this process, like hosts (hostProcess.ts), so a failed test leaves no orphan.
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

export function startProgram(program: PulumiProgram, s: ProgramRunSettings): ProgramRun {
  const run = require.resolve("@pulumi/pulumi/cmd/run", { paths: [program.dir] });
  const args = [
    run,
    `--monitor=${s.monitor}`,
    `--engine=${s.engine}`,
    `--project=${s.project}`,
    `--stack=${s.stack}`,
    `--organization=${s.organization ?? "organization"}`,
    `--root-directory=${program.dir}`,
    `--pwd=${program.dir}`,
    `--parallel=${s.parallel}`,
    ...(s.dryRun ? ["--dry-run"] : []),
    ".",
  ];
  const typescript = program.options.typescript ?? true;
  const child = spawn(process.execPath, args, {
    cwd: program.dir,
    env: {
      ...process.env,
      ...configEnv(s.config, s.project),
      ...(typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
      PULUMI_NODEJS_TRANSPILE_ONLY: String(program.options.transpileOnly ?? true),
      ...program.options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  const lines: HostLine[] = [];
  const record = (stream: HostLine["stream"]) => (text: string): void => {
    const line = { stream, text };
    lines.push(line);
    s.onLine?.(line);
  };
  readline.createInterface({ input: child.stdout! }).on("line", record("stdout"));
  readline.createInterface({ input: child.stderr! }).on("line", record("stderr"));
  const exited = new Promise<number | null>((resolve) => {
    child.once("error", () => resolve(-1));
    child.once("exit", (code) => {
      live.delete(child);
      resolve(code);
    });
  });
  return { lines, exited, kill: () => void child.kill("SIGKILL") };
}
