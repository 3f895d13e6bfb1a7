import * as path from "path";
import { launcherPath, startVcsim } from "../../sim/vcsim/launch";

describe("vcsim launch helper", () => {
  it("looks for the binary in <repo>/.tools/bin unless VCSIM_LAUNCHER names one", () => {
    const repo = path.resolve(__dirname, "../../..");
    expect(launcherPath()).toBe(process.env.VCSIM_LAUNCHER || path.join(repo, ".tools", "bin", "vcsim-launcher"));
  });

  it("says how to build the launcher when it is missing", async () => {
    await expect(startVcsim({ binary: "/nonexistent/vcsim-launcher" })).rejects.toThrow(/build\.sh.*golang-go.*govmomi/);
  });

  it("reports a launcher that exits before it is ready, with its stderr", async () => {
    await expect(startVcsim({ binary: "/bin/false" })).rejects.toThrow(/exited \(code 1\) before it was ready/);
  });
});
