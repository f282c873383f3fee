/**
 * The `wink` command: `wink worker` serves an agent's loops, `wink submit` sends a request to a
 * worker's queue (and waits for its result), `wink bundle` looks after debug bundles, `wink query` runs SQL over them, `wink debug` shows them in a browser,
 * `wink dlq` inspects and redrives dead letters, `wink eval` runs a dataset under experiments;
 * `--version` and `--help` describe the tool.
 */

import { Command } from "commander";
import pkg from "../../package.json" with { type: "json" };
import { addBundleCommand } from "./bundle.js";
import { addDebugCommand } from "./debug.js";
import { addDlqCommand } from "./dlq.js";
import { addEvalCommand } from "./eval.js";
import { addQueryCommand } from "./query.js";
import { addSubmitCommand } from "./submit.js";
import { addWorkerCommand } from "./worker.js";

/** Build the `wink` program (exported so tests can run it without a child process). */
export function buildProgram(): Command {
  const program = new Command("wink")
    .description("WINK: agent definitions and a production runtime for unattended background agents.")
    .version(pkg.version, "-v, --version", "print the version of weakincentives")
    .addHelpText("after", "\nDocs: README.md and docs/ in the package.");
  addWorkerCommand(program);
  addSubmitCommand(program);
  addBundleCommand(program);
  addQueryCommand(program);
  addDebugCommand(program);
  addDlqCommand(program);
  addEvalCommand(program);
  return program;
}

/** Run `wink` with `argv` (defaults to the process arguments). */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync([...argv]);
}
