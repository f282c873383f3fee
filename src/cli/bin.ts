#!/usr/bin/env node
// Entry point of the `wink` executable: everything else lives in main.ts so it can be tested in-process.
import { main } from "./main.js";

main().catch((err: unknown) => {
  process.stderr.write(`wink: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
