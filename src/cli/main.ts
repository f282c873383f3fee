/**
 * The `wink` command. Subcommands arrive with the modules they drive (worker, debug, query,
 * bundle, docs); today it reports its version and lists what is planned.
 */

import { Command } from "commander";
import pkg from "../../package.json" with { type: "json" };

/** Build the `wink` program (exported so tests can run it without a child process). */
export function buildProgram(): Command {
  return new Command("wink")
    .description("WINK: agent definitions and a production runtime for unattended background agents.")
    .version(pkg.version, "-v, --version", "print the version of weakincentives")
    .addHelpText(
      "after",
      "\nSubcommands (worker, debug, query, bundle, docs) are added as their modules land.\n" +
        "Docs: README.md and docs/ in the package.",
    );
}

/** Run `wink` with `argv` (defaults to the process arguments). */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync([...argv]);
}
