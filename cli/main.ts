#!/usr/bin/env node
/**
 * `applayering <group> <command> [args]`. Never prints a stack trace: every failure is one line
 * on stderr and exit status 2 (commands use 0 and 1 for their own results).
 */
import { Command, COMMANDS } from "./commands";
import { CliError, CliIo, processIo } from "./io";
import { redact } from "./shareCredentials";

export function usage(commands: readonly Command[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => `${c.group} ${c.name}`.length));
  const lines = commands.map((c) => `  ${`${c.group} ${c.name}`.trim().padEnd(width)}  ${c.summary}`);
  return `usage: applayering <group> <command> [args]   (applayering <group> <command> --help for details)\n\ncommands:\n${lines.join("\n")}\n`;
}

export async function main(argv: readonly string[], io: CliIo = processIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const secret = io.env.APPLAYERING_SHARE_PASSWORD;
  try {
    if (argv.length === 0) {
      io.stderr(usage(commands));
      return 2;
    }
    if (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
      io.stdout(usage(commands));
      return 0;
    }
    const [group, name, ...rest] = argv;
    const whole = commands.find((c) => c.group === group && c.name === "");
    if (whole) return await whole.run(argv.slice(1), io);
    const command = commands.find((c) => c.group === group && c.name === name);
    if (!command) {
      const known = commands.some((c) => c.group === group);
      const what = known ? `unknown command "${group}${name ? ` ${name}` : ""}"` : `unknown command group "${group}"`;
      io.stderr(`applayering: ${what}\n${usage(commands)}`);
      return 2;
    }
    return await command.run(rest, io);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const line = err instanceof CliError ? message : message.split("\n")[0];
    io.stderr(`applayering: ${redact(line, secret)}\n`);
    return err instanceof CliError ? err.exitCode : 2;
  }
}

if (require.main === module) {
  const fail = (err: unknown): void => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`applayering: ${redact(message.split("\n")[0], process.env.APPLAYERING_SHARE_PASSWORD)}\n`);
    process.exit(2);
  };
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  }, fail);
}
