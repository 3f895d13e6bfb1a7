/**
 * The vcsim launcher's own Go tests (go vet + go test: a full export with govmomi's client, and
 * the descriptor parsed by govmomi's ovf package), run as part of `npm test`.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";

it("the launcher's Go tests pass", async () => {
  const script = path.resolve(__dirname, "../../../sim/vcsim/build.sh");
  const result = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile("bash", [script, "test"], { timeout: 240_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
  expect(result.output).toMatch(/^ok\s/m);
  expect(result.code).toBe(0);
}, 300_000);
