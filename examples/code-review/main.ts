/**
 * `npm start`: the code-review worker with an in-process client.
 *
 * Starts the worker (MainLoop + LoopGroup with health probes on HEALTH_PORT, default 8080),
 * submits two sample changes through an in-memory queue, prints the typed reviews, and keeps
 * serving the probes until SIGTERM/SIGINT. With WINK_MAILBOX set to a Redis or SQS queue URL the
 * same worker serves that shared queue instead, and `wink submit` sends it requests. The model is OpenAI or Anthropic when its key is set,
 * otherwise the scripted model server on 127.0.0.1 — the first line says which.
 */
import { AgentConfig, describeConfig } from "weakincentives/config";
import { mailboxKind, openMailbox } from "weakincentives/contrib/mailbox";
import {
  configureLogging,
  type DeadLetter,
  getLogger,
  InMemoryMailbox,
  type MainLoopResult,
} from "weakincentives/runtime";
import { redactText } from "weakincentives/secrets";
import { collect, SAMPLE_REQUESTS, submit } from "./client.js";
import { chooseModel } from "./model.js";
import { createWorker } from "./worker.js";

configureLogging();
const log = getLogger("examples.code_review");

async function main(): Promise<void> {
  const config = AgentConfig.fromEnv(process.env);
  const model = await chooseModel(
    { ...config, model: process.env.AGENT_MODEL ? config.model : undefined },
    process.env,
  );
  console.log(`Model: ${model.description}`);
  log.info("worker.config", "Worker configuration", describeConfig(config));
  const queues = await openQueues(config.mailbox);
  // Bundles only when asked for: the default path (/debug) is a container volume.
  const debugBundle = process.env.DEBUG_BUNDLE_PATH ? { target: config.debugBundlePath } : undefined;
  const worker = createWorker({
    adapter: model.adapter,
    config,
    ...queues,
    ...(debugBundle ? { debugBundle } : {}),
  });
  const running = worker.group.run();
  await worker.group.whenStarted();
  const address = worker.group.healthAddress;
  console.log(`Health: http://127.0.0.1:${address?.port}/health/ready (SIGTERM or Ctrl-C stops the worker)`);
  const stop = new AbortController();
  running.finally(() => stop.abort()).catch(() => {});
  if (queues.durable) {
    console.log(
      `Serving ${redactText(config.mailbox ?? "")}. Submit with: npm run wink -- submit --mailbox '${redactText(config.mailbox ?? "")}' --reply-to <queue url> '{"change":"…","files":["a.ts"]}'`,
    );
  } else {
    const replies = new InMemoryMailbox<MainLoopResult<unknown>>({ name: "review-results" });
    const ids = await submit(worker.requests, replies, SAMPLE_REQUESTS);
    await collect(replies, ids, stop.signal);
    console.log("All sample reviews done; still serving the probes.");
  }
  await running;
  await model.close();
  await queues.close();
  console.log("Worker stopped.");
  // Loops that overran the shutdown timeout may still hold sockets; their messages come back
  // after the visibility timeout, so exiting now loses nothing.
  process.exit(0);
}

/**
 * The queues WINK_MAILBOX names (in memory when unset). A Redis queue gets a Redis DLQ named
 * `<queue>-dlq`; an SQS queue relies on its own redrive policy for poison messages.
 */
async function openQueues(url: string | undefined) {
  if (!url || mailboxKind(url) === "memory") return { durable: false, close: async () => {} } as const;
  const requests = await openMailbox<unknown, MainLoopResult<unknown>>(url);
  const deadLetters =
    mailboxKind(url) === "redis"
      ? await openMailbox<DeadLetter>(url, { name: `${requests.name}-dlq`, ttlSeconds: 0 })
      : null;
  return {
    durable: true,
    requests,
    deadLetters,
    // Closed together: during a broker outage each close waits out its own grace period.
    close: async () => {
      await Promise.all([requests.close(), deadLetters?.close()]);
    },
  } as const;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
