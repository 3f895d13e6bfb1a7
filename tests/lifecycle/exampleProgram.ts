/**
 * The example program (examples/os-layer) as the demo and the lifecycle tests run it: the real
 * `index.ts`, through the SDK's runtime (harness `pulumiProgram`), with the stack config a user
 * would set for the simulators. To change the program the way a user edits theirs, `edit()` writes
 * a copy of the folder with text replaced (its node_modules links to the repository's, where
 * `pulumi-applayering` resolves to this package).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import linkPackage, { repositoryRoot } from "../setup/linkPackage";
import { DynamicProviderHost, Engine, HostLine, PulumiProgram, pulumiProgram, secret, StackConfig } from "../harness";
import { Peers, PeerSettings, SECRET_SETTINGS } from "../../sim/peers";

/** The repository: its node_modules resolves `pulumi-applayering` (a link to itself). */
export const repoRoot = repositoryRoot();
export const exampleDir = path.join(repoRoot, "examples", "os-layer");
/** The example's project name (its Pulumi.yaml). */
export const EXAMPLE_PROJECT = "applayering-os-layer";

/** `pulumi config set` for the example: the simulators' settings, passwords as secrets, plus the program's own keys. */
export function stackConfig(settings: PeerSettings, program: { [key: string]: string } = {}): StackConfig {
  const config: StackConfig = {};
  for (const [k, v] of Object.entries(settings)) {
    config[k] = (SECRET_SETTINGS as readonly string[]).includes(k) ? secret(v) : v;
  }
  return { ...config, ...program };
}

/** A copy of a program folder with `[from, to]` text replacements applied to its index.ts. */
export class ProgramCopies {
  private readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "applayering-program-"));
  private n = 0;

  constructor(private readonly source = exampleDir) {}

  edit(replacements: [string, string][] = [], extraSource = ""): PulumiProgram {
    const dir = path.join(this.root, `p${this.n++}`);
    fs.mkdirSync(dir);
    for (const f of fs.readdirSync(this.source)) {
      if (f === "node_modules") continue;
      fs.copyFileSync(path.join(this.source, f), path.join(dir, f));
    }
    let text = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
    for (const [from, to] of replacements) {
      if (!text.includes(from)) throw new Error(`program edit: "${from}" is not in ${this.source}/index.ts`);
      text = text.split(from).join(to);
    }
    fs.writeFileSync(path.join(dir, "index.ts"), text + extraSource);
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
    return pulumiProgram(dir);
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** The example, unchanged, where users find it. */
export function exampleProgram(): PulumiProgram {
  linkPackage();
  return pulumiProgram(exampleDir);
}

/** An engine for the example project: a host per operation, configured for the peers. */
export function exampleEngine(
  peers: Peers,
  opts: {
    stateFile: string;
    stack?: string;
    config?: { [key: string]: string };
    pollIntervalMs?: number;
    onLine?: (l: HostLine) => void;
    passphrase?: string;
    project?: string;
    onHost?: (host: DynamicProviderHost) => void;
  },
): Engine {
  linkPackage();
  const config = stackConfig(peers.settings, opts.config);
  return new Engine({
    // The CLI starts the host in the project's folder, for every operation.
    hostOptions: {
      cwd: exampleDir,
      project: opts.project ?? EXAMPLE_PROJECT,
      stack: opts.stack ?? "dev",
      config,
      env: { APPLAYERING_POLL_INTERVAL_MS: String(opts.pollIntervalMs ?? 25) },
      onLine: opts.onLine,
    },
    stateFile: opts.stateFile,
    passphrase: opts.passphrase ?? "lifecycle",
    config,
    onHost: opts.onHost,
  });
}
