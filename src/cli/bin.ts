#!/usr/bin/env node
// Entry point of the `wink` executable: everything else lives in main.ts so it can be tested in-process.
import { main } from "./main.js";

// One-shot commands: exit when done, so an idle keep-alive socket of a queue client (Redis, SQS)
// cannot keep the process waiting.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(`wink: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
