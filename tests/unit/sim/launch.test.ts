import { execFileSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { launcherPath, launcherSourceDir, startVcsim } from "../../../sim/vcsim/launch";

describe("vcsim launch helper", () => {
  const buildScript = path.join(launcherSourceDir(), "build.sh");
  const pathFromScript = (env: NodeJS.ProcessEnv) =>
    execFileSync("sh", [buildScript, "path"], { env: { ...process.env, VCSIM_LAUNCHER: "", ...env } }).toString().trim();

  it("names the binary as build.sh does: the user's cache folder and a hash of the Go sources", () => {
    const saved = process.env.VCSIM_LAUNCHER;
    delete process.env.VCSIM_LAUNCHER;
    try {
      const ours = launcherPath();
      expect(path.basename(ours)).toMatch(/^vcsim-launcher-[0-9a-f]{16}$/);
      expect(ours).toBe(pathFromScript({}));
      // The cache folder follows APPLAYERING_CACHE_DIR on both sides.
      const dir = path.join(os.tmpdir(), "applayering-cache-probe");
      process.env.APPLAYERING_CACHE_DIR = dir;
      expect(launcherPath()).toBe(path.join(dir, path.basename(ours)));
      expect(pathFromScript({ APPLAYERING_CACHE_DIR: dir })).toBe(launcherPath());
    } finally {
      delete process.env.APPLAYERING_CACHE_DIR;
      if (saved !== undefined) process.env.VCSIM_LAUNCHER = saved;
    }
  });

  it("never builds into the checkout or the installed package", () => {
    const saved = process.env.VCSIM_LAUNCHER;
    delete process.env.VCSIM_LAUNCHER;
    try {
      expect(path.relative(path.resolve(__dirname, "../../.."), launcherPath()).startsWith("..")).toBe(true);
    } finally {
      if (saved !== undefined) process.env.VCSIM_LAUNCHER = saved;
    }
  });

  it("says how to build the launcher when it is missing", async () => {
    await expect(startVcsim({ binary: "/nonexistent/vcsim-launcher" })).rejects.toThrow(/build\.sh.*golang-go.*govmomi/);
  });

  it("reports a launcher that exits before it is ready, with its stderr", async () => {
    await expect(startVcsim({ binary: "/bin/false" })).rejects.toThrow(/exited \(code 1\) before it was ready/);
  });
});
