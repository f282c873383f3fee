/**
 * `npm start`: the code-review worker with an in-process client.
 *
 * Starts the worker (MainLoop + LoopGroup with health probes on HEALTH_PORT, default 8080),
 * submits two sample changes through an in-memory queue, prints the typed reviews, and keeps
 * serving the probes until SIGTERM/SIGINT. The model is OpenAI or Anthropic when its key is set,
 * otherwise the scripted model server on 127.0.0.1 — the first line says which.
 */
import { AgentConfig, describeConfig } from "weakincentives/config";
import { configureLogging, getLogger, InMemoryMailbox, type MainLoopResult } from "weakincentives/runtime";
import { collect, SAMPLE_REQUESTS, submit } from "./client.js";
import { chooseModel } from "./model.js";
import { createWorker } from "./worker.js";

configureLogging();
const log = getLogger("examples.code_review");

async function main(): Promise<void> {
  const config = AgentConfig.fromEnv(process.env);
  if (config.mailbox && !config.mailbox.startsWith("memory://")) {
    throw new Error(
      `WINK_MAILBOX=${config.mailbox}: this build has only the in-memory mailbox; the Redis and SQS mailboxes ` +
        "are not included yet. Unset WINK_MAILBOX to run with the in-memory queue.",
    );
  }
  const model = await chooseModel(
    { ...config, model: process.env.AGENT_MODEL ? config.model : undefined },
    process.env,
  );
  console.log(`Model: ${model.description}`);
  log.info("worker.config", "Worker configuration", describeConfig(config));
  const worker = createWorker({ adapter: model.adapter, config });
  const replies = new InMemoryMailbox<MainLoopResult<unknown>>({ name: "review-results" });
  const running = worker.group.run();
  await worker.group.whenStarted();
  const address = worker.group.healthAddress;
  console.log(`Health: http://127.0.0.1:${address?.port}/health/ready (SIGTERM or Ctrl-C stops the worker)`);
  const stop = new AbortController();
  running.finally(() => stop.abort()).catch(() => {});
  const ids = await submit(worker.requests, replies, SAMPLE_REQUESTS);
  await collect(replies, ids, stop.signal);
  console.log("All sample reviews done; still serving the probes.");
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
