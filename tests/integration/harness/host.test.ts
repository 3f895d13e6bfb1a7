/** The host itself: start-up, the Configure answer the engine gets, stderr capture, shutdown. */
import { DynamicProviderHost, HostCallError } from "../../harness";
import { repoRoot } from "./setup";

describe("dynamic-provider host", () => {
  let host: DynamicProviderHost;

  beforeAll(async () => {
    host = await DynamicProviderHost.start({ cwd: repoRoot, project: "lab", config: { "lab:greeting": "hi" } });
  });

  afterAll(async () => {
    await host.close();
  });

  it("reports the installed SDK version", async () => {
    const pkg = require("@pulumi/pulumi/package.json") as { version: string };
    expect(await host.getPluginInfo()).toBe(pkg.version);
  });

  it("answers Configure as the reference says: no secrets, no preview", async () => {
    expect(await host.configure()).toEqual({ acceptSecrets: false, supportsPreview: false, acceptResources: false, acceptOutputs: false });
  });

  it("fails Check on a resource without a provider text with a gRPC error the harness can read", async () => {
    const err = await host.check({ urn: "urn:pulumi:dev::lab::x:y:Z::a", name: "a", type: "x:y:Z" }, {}, { a: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostCallError);
    expect((err as HostCallError).method).toBe("Check");
    expect((err as HostCallError).initFailure).toBeUndefined();
    // The host logs the failure to its stderr, which the harness keeps.
    await new Promise((r) => setTimeout(r, 50));
    expect(host.lines.some((l) => l.stream === "stderr")).toBe(true);
  });

  it("stops the host process on close", async () => {
    const other = await DynamicProviderHost.start({ cwd: repoRoot });
    const pid = other.pid!;
    await other.close();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
