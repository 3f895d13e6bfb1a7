import { Command, COMMANDS } from "../../../cli/commands";
import { CliError, CliIo } from "../../../cli/io";
import { main, usage } from "../../../cli/main";

function captureIo(env: Record<string, string> = {}): CliIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    env,
    stdout(t: string) {
      io.out += t;
    },
    stderr(t: string) {
      io.err += t;
    },
  };
  return io;
}

function command(run: Command["run"]): Command {
  return { group: "test", name: "run", summary: "a test command", run };
}

describe("main (in process)", () => {
  it("lists every command of the table in the usage", () => {
    const text = usage([...COMMANDS, command(async () => 0)]);
    expect(text).toMatch(/ovf inspect/);
    expect(text).toMatch(/test run {2,}a test command/);
  });

  it("dispatches to the command and returns its exit code", async () => {
    const seen: Array<readonly string[]> = [];
    const io = captureIo();
    const code = await main(["test", "run", "a", "--b"], io, [command(async (args) => (seen.push(args), 1))]);
    expect(code).toBe(1);
    expect(seen).toEqual([["a", "--b"]]);
  });

  it("turns any thrown error into one line on stderr and exit 2, without the stack", async () => {
    const io = captureIo();
    const boom = new Error("socket hang up\n    at Socket.<anonymous> (net.js:1:1)");
    expect(await main(["test", "run"], io, [command(async () => { throw boom; })])).toBe(2);
    expect(io.err).toBe("applayering: socket hang up\n");
    expect(io.out).toBe("");
  });

  it("keeps a CliError's exit code", async () => {
    const io = captureIo();
    expect(await main(["test", "run"], io, [command(async () => { throw new CliError("nope", 3); })])).toBe(3);
    expect(io.err).toBe("applayering: nope\n");
  });

  it("never prints the share password, even when an error message carries it", async () => {
    const io = captureIo({ APPLAYERING_SHARE_PASSWORD: "hunter2!" });
    await main(["test", "run"], io, [command(async () => { throw new Error("logon failed for svc/hunter2!"); })]);
    expect(io.err).toBe("applayering: logon failed for svc/***\n");
  });
});
