/** A small argument reader: positional arguments, boolean flags and `--name value` options. */
import { CliError } from "./io";

export interface ArgSpec {
  flags: readonly string[];
  options: readonly string[];
}

export interface ParsedArgs {
  positional: string[];
  flags: Set<string>;
  options: Map<string, string>;
}

export function parseArgs(args: readonly string[], spec: ArgSpec, usage: string): ParsedArgs {
  const out: ParsedArgs = { positional: [], flags: new Set(), options: new Map() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      out.positional.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--") || (a.startsWith("-") && a.length === 2)) {
      const eq = a.indexOf("=");
      const name = eq >= 0 ? a.slice(0, eq) : a;
      if (spec.flags.includes(name)) {
        if (eq >= 0) throw new CliError(`${name} takes no value\n${usage}`);
        out.flags.add(name);
      } else if (spec.options.includes(name)) {
        const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
        if (value === undefined) throw new CliError(`${name} needs a value\n${usage}`);
        out.options.set(name, value);
      } else {
        throw new CliError(`unknown option ${name}\n${usage}`);
      }
    } else {
      out.positional.push(a);
    }
  }
  return out;
}
