/** The command table: `applayering <group> <command>`. Add a row to add a command. */
import { CliIo } from "./io";
import { ovfInspect } from "./ovfInspect";

export interface Command {
  group: string;
  name: string;
  summary: string;
  /** Returns the exit code; throws CliError for a one-line failure. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

export const COMMANDS: readonly Command[] = [
  {
    group: "ovf",
    name: "inspect",
    summary: "check that an OVF (local or on the share) is fit for an App Layering OS layer",
    run: ovfInspect,
  },
];
