/**
 * `wink submit`: send one request to a worker's queue and, with `--reply-to`, wait for its
 * result. The payload is JSON given inline, as `@file.json`, or `-` for standard input.
 */

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { SYSTEM_CLOCK } from "../clock.js";
import { mailboxKind, openMailbox } from "../contrib/mailbox/index.js";
import { WinkError } from "../errors.js";
import type { Mailbox } from "../runtime/mailbox/types.js";
import { parseRedisMailboxUrl } from "../runtime/mailbox/urls/redis.js";
import { parseSqsMailboxUrl } from "../runtime/mailbox/urls/sqs.js";
import type { MainLoopRequest, MainLoopResult } from "../runtime/main-loop/types.js";
import { redactText } from "../secrets/index.js";

/** Options of `wink submit`, as commander parses them. */
interface SubmitOptions {
  readonly mailbox: string;
  readonly replyTo?: string;
  readonly timeout: string;
  readonly requestId?: string;
}

/** Where `wink submit` writes (injectable for tests). */
export interface Output {
  out(line: string): void;
}

/** Add the `submit` command to `program`. */
export function addSubmitCommand(
  program: Command,
  output: Output = { out: (l) => process.stdout.write(`${l}\n`) },
): void {
  program
    .command("submit")
    .description("Send a request to a worker's mailbox; with --reply-to, wait for and print its result.")
    .argument("<payload>", "request JSON, @file.json, or - for standard input")
    .requiredOption(
      "--mailbox <url>",
      "the worker's queue (memory://, redis://…?queue=NAME, https://sqs…, sqs://…)",
    )
    .option(
      "--reply-to <url>",
      "a queue for the result on the same server as --mailbox (the worker replies there); wait for it when given",
    )
    .option("--timeout <seconds>", "how long to wait for the result", "120")
    .option("--request-id <id>", "request id, stable across retries (default: a new UUID)")
    .action(async (payload: string, options: SubmitOptions) => {
      process.exitCode = await submit(payload, options, output);
    });
}

async function submit(payload: string, options: SubmitOptions, output: Output): Promise<number> {
  const request = parsePayload(payload);
  const timeoutSeconds = Number(options.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new WinkError(
      "invalid_argument",
      `--timeout must be a number of seconds > 0, got "${options.timeout}".`,
    );
  }
  if (mailboxKind(options.mailbox) === "memory") {
    throw new WinkError(
      "invalid_argument",
      `--mailbox ${options.mailbox} is an in-memory queue of this process only: a worker cannot receive from it. ` +
        "Use the worker's Redis or SQS queue URL (its WINK_MAILBOX).",
    );
  }
  if (options.replyTo !== undefined) checkReplyTo(options.mailbox, options.replyTo);
  let requests: Mailbox<unknown> | undefined;
  let replies: Mailbox<MainLoopResult<unknown>> | undefined;
  try {
    requests = await openMailbox(options.mailbox);
    replies = options.replyTo ? await openMailbox<MainLoopResult<unknown>>(options.replyTo) : undefined;
    const requestId = options.requestId ?? randomUUID();
    const envelope: MainLoopRequest<unknown> = {
      request,
      requestId,
      createdAt: SYSTEM_CLOCK.now().toISOString(),
    };
    const messageId = await requests.send(envelope, replies ? { replyTo: replies.name } : {});
    if (!replies) {
      output.out(JSON.stringify({ submitted: true, requestId, messageId, mailbox: requests.name }));
      return 0;
    }
    const result = await waitForResult(replies, requestId, timeoutSeconds);
    if (!result) {
      output.out(JSON.stringify({ requestId, error: `no result within ${timeoutSeconds} s` }));
      return 2;
    }
    output.out(JSON.stringify(result));
    return result.success ? 0 : 1;
  } finally {
    // Close whatever opened, also when opening the other failed, so no client keeps the process up.
    await requests?.close();
    await replies?.close();
  }
}

/**
 * Refuse, before sending anything, a reply queue the worker cannot reach: the worker resolves the
 * reply address by *name* on its own connection, so a queue on another backend, server, database
 * or account would never see the result and `wink submit` would wait out its timeout.
 */
function checkReplyTo(mailboxUrl: string, replyUrl: string): void {
  const fail = (why: string, fix: string): never => {
    throw new WinkError(
      "invalid_argument",
      `--reply-to ${redactText(replyUrl)} cannot receive results from the worker on --mailbox ` +
        `${redactText(mailboxUrl)}: ${why}. ${fix}`,
      { details: { mailbox: redactText(mailboxUrl), replyTo: redactText(replyUrl) } },
    );
  };
  const kind = mailboxKind(mailboxUrl);
  const replyKind = mailboxKind(replyUrl);
  if (replyKind === "memory") {
    fail(
      "a memory:// queue lives only inside this process, where no worker can send to it",
      `Use a queue on the same ${kind === "redis" ? "Redis server" : "SQS endpoint"} as --mailbox.`,
    );
  }
  if (replyKind !== kind) {
    fail(
      `the worker replies through its own ${kind} connection, not ${replyKind}`,
      `Use a ${kind} queue on the same server as --mailbox.`,
    );
  }
  const [where, replyWhere, sameQueue] =
    kind === "redis" ? redisLocations(mailboxUrl, replyUrl) : sqsLocations(mailboxUrl, replyUrl);
  if (where !== replyWhere) {
    fail(
      `the worker would send the result to a queue of that name on ${where}, not on ${replyWhere}`,
      `Give --reply-to the same ${kind === "redis" ? "host, port and database" : "endpoint, region and account"} as --mailbox.`,
    );
  }
  if (sameQueue) {
    fail(
      "it is the requests queue itself, so the worker would take its own result as a new request",
      "Name another queue for the replies, such as the requests queue's name with -replies appended.",
    );
  }
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1"]);

function redisLocations(mailboxUrl: string, replyUrl: string): [string, string, boolean] {
  const [a, b] = [parseRedisMailboxUrl(mailboxUrl), parseRedisMailboxUrl(replyUrl)];
  const where = (u: typeof a): string => {
    const host = u.host.toLowerCase();
    return `redis://${LOOPBACK.has(host) ? "127.0.0.1" : host}:${u.port}/${u.db}`;
  };
  return [where(a), where(b), a.queue !== undefined && a.queue === b.queue];
}

function sqsLocations(mailboxUrl: string, replyUrl: string): [string, string, boolean] {
  const [a, b] = [parseSqsMailboxUrl(mailboxUrl), parseSqsMailboxUrl(replyUrl)];
  const where = (u: typeof a): string => `${u.endpoint ?? "AWS"} (${u.region}, account ${u.accountId})`;
  return [where(a), where(b), a.queueName === b.queueName];
}

function readPayloadFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new WinkError(
      "invalid_argument",
      `Cannot read the request payload file "${path}" (${(err as NodeJS.ErrnoException).code ?? "error"}). Check the path after "@".`,
      { cause: err },
    );
  }
}

function parsePayload(payload: string): unknown {
  const text =
    payload === "-"
      ? readFileSync(0, "utf8")
      : payload.startsWith("@")
        ? readPayloadFile(payload.slice(1))
        : payload;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new WinkError(
      "invalid_argument",
      `The request payload is not JSON (${err instanceof Error ? err.message : String(err)}). Pass an object such as '{"change":"…","files":["a.ts"]}', @file.json or -.`,
      { cause: err },
    );
  }
}

async function waitForResult(
  replies: Mailbox<MainLoopResult<unknown>>,
  requestId: string,
  timeoutSeconds: number,
): Promise<MainLoopResult<unknown> | undefined> {
  const until = SYSTEM_CLOCK.monotonic() + timeoutSeconds * 1_000;
  while (SYSTEM_CLOCK.monotonic() < until) {
    const wait = Math.min(20, Math.max(1, Math.ceil((until - SYSTEM_CLOCK.monotonic()) / 1_000)));
    for (const message of await replies.receive({ maxMessages: 10, waitTimeSeconds: wait })) {
      if (message.body.requestId !== requestId) {
        // Someone else's result: leave it for them.
        await message.nack(1);
        continue;
      }
      await message.acknowledge();
      return message.body;
    }
  }
  return undefined;
}
