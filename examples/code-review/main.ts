/**
 * `npm start`: the code-review worker with an in-process client.
 *
 * Builds the worker with `createWorker` (MainLoop + LoopGroup with health probes on HEALTH_PORT,
 * default 8080), submits two sample changes through an in-memory queue, prints the typed reviews,
 * and keeps serving the probes until SIGTERM/SIGINT. With WINK_MAILBOX set to a Redis or SQS queue
 * URL the same worker serves that shared queue instead, and `wink submit` sends it requests (that
 * is `wink worker examples/code-review/agent.ts`, with an offline model). The model is the one the
 * configuration names, otherwise the scripted model server on 127.0.0.1 — the first line says which.
 */
import { AgentConfig, describeConfig } from "weakincentives/config";
import { mailboxKind } from "weakincentives/contrib/mailbox";
import { configureLogging, getLogger, InMemoryMailbox, type MainLoopResult } from "weakincentives/runtime";
import { redactText } from "weakincentives/secrets";
import { createWorker } from "weakincentives/worker";
import reviews from "./agent.js";
import { collect, SAMPLE_REQUESTS, sampleScript, submit } from "./client.js";
import { chooseModel } from "./model.js";

configureLogging();
const log = getLogger("examples.code_review");

async function main(): Promise<void> {
  const config = AgentConfig.fromEnv();
  // Offline, the scripted model reviews the sample requests as a model would: it reads the mounted
  // repository and writes its report to the workspace (the `review.report` log line shows it).
  const model = await chooseModel(config, sampleScript());
  console.log(`Model: ${model.description}`);
  log.info("worker.config", "Worker configuration", describeConfig(config));
  const durable = config.mailbox !== undefined && mailboxKind(config.mailbox) !== "memory";
  const worker = await createWorker({
    config,
    loops: [reviews],
    adapter: model.adapter,
    // Without a shared queue, an in-memory one this process submits to itself.
    ...(durable
      ? {}
      : { requests: new InMemoryMailbox<unknown, MainLoopResult<unknown>>({ name: "reviews" }) }),
  });
  const running = worker.run();
  await worker.group.whenStarted();
  const address = worker.group.healthAddress;
  console.log(`Health: http://127.0.0.1:${address?.port}/health/ready (SIGTERM or Ctrl-C stops the worker)`);
  const stop = new AbortController();
  running.finally(() => stop.abort()).catch(() => {});
  if (durable) {
    const url = redactText(config.mailbox ?? "");
    console.log(
      `Serving ${url}. Submit with: npm run wink -- submit --mailbox '${url}' --reply-to <queue url> '{"change":"…","files":["a.ts"]}'`,
    );
  } else {
    const replies = new InMemoryMailbox<MainLoopResult<unknown>>({ name: "review-results" });
    const requests = worker.loops[0]?.requests;
    if (requests) await collect(replies, await submit(requests, replies, SAMPLE_REQUESTS), stop.signal);
    console.log("All sample reviews done; still serving the probes.");
  }
  await running;
  await model.close();
  console.log("Worker stopped.");
  // Loops that overran the shutdown timeout may still hold sockets; their messages come back
  // after the visibility timeout, so exiting now loses nothing.
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
