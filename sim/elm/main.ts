/**
 * Standalone ELM simulator (`npm run sim` wires it): starts with defaults (HTTPS unless
 * ELMSIM_HTTP=1), prints ONE JSON line {url, user, password, caCertPath?, ...} and runs until
 * SIGINT/SIGTERM. Environment: ELMSIM_PORT, ELMSIM_CLOCK_SPEED, ELMSIM_FINALIZE_MODE
 * (manual|onShutdown), ELMSIM_SHARE_UNC + ELMSIM_SHARE_DIR (the share and the directory backing it).
 */
import { startElmSim } from "./index";

async function main(): Promise<void> {
  const env = process.env;
  const sim = await startElmSim({
    https: env.ELMSIM_HTTP !== "1",
    port: env.ELMSIM_PORT ? Number(env.ELMSIM_PORT) : undefined,
    clockSpeed: env.ELMSIM_CLOCK_SPEED ? Number(env.ELMSIM_CLOCK_SPEED) : undefined,
    finalizeMode: env.ELMSIM_FINALIZE_MODE === "onShutdown" ? "onShutdown" : "manual",
    fileShares: env.ELMSIM_SHARE_UNC ? [{ uncPath: env.ELMSIM_SHARE_UNC, localDir: env.ELMSIM_SHARE_DIR }] : undefined,
  });
  process.stdout.write(
    JSON.stringify({
      url: sim.url,
      user: sim.user,
      password: sim.password,
      caCertPath: sim.caCertPath,
      connectors: sim.connectors().map((c) => c.name),
      pid: process.pid,
    }) + "\n",
  );
  const stop = () => {
    sim.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`ELM simulator failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
