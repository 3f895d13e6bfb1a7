/** Shared set-up for the harness tests: a temp directory, a host at the repo root, an engine. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DynamicProviderHost, Engine, StackConfig } from "../../harness";
import { FakeStore, loadStore } from "./fakeBackend";

export const repoRoot = path.resolve(__dirname, "../../..");

export interface Lab {
  dir: string;
  backendFile: string;
  host: DynamicProviderHost;
  engine(stateName?: string): Engine;
  store(): FakeStore;
  close(): Promise<void>;
}

/**
 * Engines start a new host for each operation, as the CLI does; `host` is one more, kept for the
 * test file, for calls made to a host directly.
 */
export async function startLab(extraConfig: StackConfig = {}): Promise<Lab> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harness-"));
  const backendFile = path.join(dir, "backend.json");
  const hostOptions = {
    cwd: repoRoot,
    project: "lab",
    stack: "dev",
    config: { "fake:backendFile": backendFile, ...extraConfig },
  };
  const host = await DynamicProviderHost.start(hostOptions);
  return {
    dir,
    backendFile,
    host,
    engine: (stateName = "state.json") => new Engine({ hostOptions, stateFile: path.join(dir, stateName), passphrase: "test passphrase" }),
    store: () => loadStore(backendFile),
    close: async () => {
      await host.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
