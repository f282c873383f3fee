/**
 * A private SQS-protocol server (fauxqs) for a benchmark, on a free loopback port, in a child
 * process of its own so that its heap and its timers are not the benchmark's. Run as a script
 * (`--serve`), this file is that child: it prints its port as one JSON line and serves until
 * killed.
 */

import { type ChildProcess, spawn } from "node:child_process";

/** Start the server in a child process; resolves with its endpoint once it listens. */
export async function startSqsServer(): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, "--serve"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the SQS server exited (${code}): ${output}`)));
  });
  child.stdout?.resume();
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

if (process.argv.includes("--serve")) {
  const { startFauxqs } = await import("fauxqs");
  const server = await startFauxqs({ port: 0, logger: false });
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
}
