/**
 * The example stack (OsMachine → OvfExport → OsLayer) brought up through the dynamic-provider
 * host against the three simulators: real state entries for the state and preview benchmarks.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DynamicProviderHost, Engine, ResourceState } from "../tests/harness";
import { osLayerStack, stackConfig } from "../tests/lifecycle/osLayerStack";
import { Peers, startPeers } from "../sim/peers";

export interface UpStack {
  peers: Peers;
  host: DynamicProviderHost;
  engine: Engine;
  /** A folder for further state files; removed by stop(). */
  dir: string;
  /** The stack's state entries by kind: OsMachine, OvfExport, OsLayer. */
  entries: Record<"OsMachine" | "OvfExport" | "OsLayer", ResourceState>;
  stop(): Promise<void>;
}

export const repoRoot = path.resolve(__dirname, "..", "..");

export async function upStack(): Promise<UpStack> {
  const peers = await startPeers({ elmClockSpeed: 200 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-stack-"));
  let host: DynamicProviderHost | undefined;
  try {
    host = await DynamicProviderHost.start({
      cwd: repoRoot,
      project: "applayering-bench",
      stack: "bench",
      config: stackConfig(peers.settings),
      env: { APPLAYERING_POLL_INTERVAL_MS: "100" },
    });
    const engine = new Engine({ host, stateFile: path.join(dir, "state.json"), passphrase: "bench" });
    await engine.up(osLayerStack(peers.settings, { version: "1.0" }));
    const byType = (t: string): ResourceState => {
      const r = engine.state().resources.find((x) => x.type.endsWith(`:${t}`));
      if (!r) throw new Error(`no ${t} in the stack's state`);
      return r;
    };
    const h = host;
    return {
      peers,
      host: h,
      engine,
      dir,
      entries: { OsMachine: byType("OsMachine"), OvfExport: byType("OvfExport"), OsLayer: byType("OsLayer") },
      async stop() {
        await h.close().catch(() => undefined);
        await peers.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await host?.close().catch(() => undefined);
    await peers.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
