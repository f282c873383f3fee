/**
 * The container's entry point: the code-review agent of `examples/code-review`, served from a
 * shared queue under a LoopGroup. The image compiles this file to `build/deploy/worker/main.js`
 * (see `deploy/tsconfig.worker.json`) and runs it with plain `node`.
 *
 * What it does differently from `npm start`:
 * - bad or inconsistent settings stop it at start-up (see `config.ts`);
 * - a real model is required (Bedrock, Anthropic or OpenAI; or Claude Code with
 *   `AGENT_ADAPTER=claude-agent-sdk`; see `model.ts`);
 * - every request has a deadline (`MAX_PROCESSING_SECONDS`) and a token budget
 *   (`AGENT_MAX_TOTAL_TOKENS`);
 * - requests come only from `WINK_MAILBOX`, and no sample client runs.
 *
 * Exit codes: 0 after a graceful shutdown; 1 for bad configuration or a failed loop (the
 * orchestrator restarts the container); 137 when the watchdog kills a stalled process.
 */
import { ConfigError, describeConfig } from "weakincentives/config";
import { mailboxKind, openMailbox } from "weakincentives/contrib/mailbox";
import {
  configureLogging,
  type DeadLetter,
  getLogger,
  type Mailbox,
  type MainLoopResult,
} from "weakincentives/runtime";
import { createWorker } from "../../examples/code-review/worker.js";
import { loadWorkerConfig } from "./config.js";
import { productionModel } from "./model.js";

configureLogging(); // WEAKINCENTIVES_LOG_LEVEL / WEAKINCENTIVES_LOG_FORMAT (json in the image)
const log = getLogger("deploy.worker");

/**
 * Where poison requests go: a Redis queue gets a Redis DLQ named `<queue>-dlq`, an in-memory
 * queue an in-memory one; an SQS queue relies on its own redrive policy (`undefined`).
 */
async function openDeadLetters(url: string, queue: string): Promise<Mailbox<DeadLetter> | undefined> {
  return mailboxKind(url) === "sqs"
    ? undefined
    : openMailbox<DeadLetter>(url, { name: `${queue}-dlq`, ttlSeconds: 0 });
}

async function main(): Promise<number> {
  const config = loadWorkerConfig(process.env);
  const model = await productionModel(config, process.env);
  log.info("worker.config", `Worker configuration; model: ${model.description}`, describeConfig(config));
  if (mailboxKind(config.mailbox) === "memory") {
    log.warning(
      "worker.mailbox_in_memory",
      "WINK_MAILBOX is an in-memory queue: nothing outside this process can send to it. Use it for smoke tests only.",
      { mailbox: config.mailbox },
    );
  }
  const requests = await openMailbox<unknown, MainLoopResult<unknown>>(config.mailbox);
  const deadLetters = await openDeadLetters(config.mailbox, requests.name);
  try {
    // The example's wiring: one dispatcher for every session and for /metrics, the DLQ policy,
    // deadlines; here with a token budget on every request too.
    const { group } = createWorker({
      adapter: model.adapter,
      config,
      requests,
      deadLetters: deadLetters ?? null,
      budget: { maxTotalTokens: config.maxTotalTokens },
      // One post-mortem directory per request on the mounted volume (DEBUG_BUNDLE_PATH, /debug).
      debugBundle: { target: config.debugBundlePath },
    });
    await group.run(); // until SIGTERM / SIGINT
    return 0;
  } finally {
    // Closed together: during a broker outage each close waits out its own grace period.
    await Promise.all([requests.close(), deadLetters?.close()]);
  }
}

main().then(
  // Loops left behind by a shutdown timeout may still hold sockets; their messages come back
  // after the visibility timeout, so exiting now loses nothing.
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      log.critical("worker.config_invalid", error.message, { issues: error.issues });
    } else {
      log.critical("worker.failed", "The worker failed; exiting so the orchestrator restarts it.", { error });
    }
    process.exit(1);
  },
);
