/**
 * `wink debug <bundle-or-dir>`: serve the debug bundle viewer on 127.0.0.1 (see `serveBundles`)
 * until interrupted.
 */

import type { Command } from "commander";
import { serveBundles } from "../debug/index.js";
import { WinkError } from "../errors.js";
import type { Output } from "./submit.js";

/** Add the `debug` command to `program`. */
export function addDebugCommand(
  program: Command,
  output: Output = { out: (line) => process.stdout.write(`${line}\n`) },
): void {
  program
    .command("debug")
    .description("Open a local web viewer for a debug bundle or a directory of them.")
    .argument("<bundles>", "a bundle directory, or a directory of bundles (DEBUG_BUNDLE_PATH)")
    .option("--port <port>", "port to listen on (0: any free port)", "8765")
    .option("--host <host>", "address to listen on; the pages show request data, keep it local", "127.0.0.1")
    .action(async (bundles: string, options: { port: string; host: string }) => {
      const port = Number(options.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        throw new WinkError("invalid_argument", `--port must be 0-65535, got "${options.port}".`);
      }
      const viewer = await serveBundles(bundles, { port, host: options.host });
      output.out(`Serving ${bundles} at ${viewer.url} (Ctrl-C stops it)`);
      await new Promise<void>((stop) => {
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      await viewer.close();
    });
}
