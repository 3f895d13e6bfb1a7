/** The command table: `applayering <group> <command>`. Add a row to add a command. */
import { CliIo } from "./io";
import { ovfInspect } from "./ovfInspect";
import { shareTest } from "./shareTest";
import { sim } from "./sim";

export interface Command {
  group: string;
  /** "" for a command that is the group itself (`applayering sim`). */
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
  {
    group: "share",
    name: "test",
    summary: "log on to a share folder as the provider would, write, read back and remove a probe file",
    run: shareTest,
  },
  {
    group: "sim",
    name: "",
    summary: "start vcsim, smbd and the ELM simulator on 127.0.0.1 and print their endpoints as JSON",
    run: sim,
  },
];
