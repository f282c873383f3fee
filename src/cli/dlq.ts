/**
 * `wink dlq list|show|redrive <dlq-url>`: look into a dead-letter queue (Redis, SQS or memory URL,
 * as `WINK_MAILBOX` takes them) and send letters back to the queues they came from.
 */

import type { Command } from "commander";
import { SYSTEM_CLOCK } from "../clock.js";
import { mailboxKind, openMailbox } from "../contrib/mailbox/index.js";
import { WinkError } from "../errors.js";
import { type DeadLetter, DLQConsumer, type ListedLetter, type Mailbox } from "../runtime/mailbox/index.js";
import { redact, redactText } from "../secrets/index.js";
import type { Output } from "./submit.js";

const stdout: Output = { out: (line) => process.stdout.write(`${line}\n`) };

/**
 * The URL of the queue named `name` on the same broker as `dlqUrl` (Redis and memory URLs name
 * their queue; an SQS queue has its own URL, so it must be given with `--to`).
 */
export function siblingQueueUrl(dlqUrl: string, name: string): string {
  const kind = mailboxKind(dlqUrl);
  if (kind === "memory") return `memory://${name}`;
  if (kind === "redis") {
    const url = new URL(dlqUrl);
    url.searchParams.set("queue", name);
    return url.toString();
  }
  throw new WinkError(
    "invalid_argument",
    `Cannot tell the URL of queue "${name}" from the SQS dead-letter queue ${dlqUrl}: give it with --to <queue-url>.`,
  );
}

async function withDlq<T>(url: string, run: (dlq: DLQConsumer) => Promise<T>): Promise<T> {
  const mailbox = await openMailbox<DeadLetter>(url);
  try {
    return await run(new DLQConsumer(mailbox));
  } finally {
    await mailbox.close();
  }
}

function row(letter: ListedLetter, now: number): string {
  const at = Date.parse(letter.deadLetteredAt);
  const age = Number.isFinite(at) ? `${Math.max(0, Math.round((now - at) / 60_000))} min` : "?";
  const reason = redactText(letter.lastError).replace(/\s+/g, " ").slice(0, 60);
  return [
    letter.letterId.padEnd(36),
    (letter.requestId ?? "-").padEnd(20),
    letter.lastErrorType.padEnd(24),
    String(letter.deliveryCount).padStart(8),
    age.padStart(8),
    reason,
  ].join("  ");
}

/** Add `wink dlq` and its subcommands to `program`. */
export function addDlqCommand(
  program: Command,
  output: Output = stdout,
  now: () => number = () => SYSTEM_CLOCK.epochMs(),
): void {
  const dlq = program.command("dlq").description("Inspect a dead-letter queue and send letters back.");
  dlq
    .command("list")
    .description("List dead letters: id, request, error, attempts, age, reason.")
    .argument("<dlq-url>", "the dead-letter queue (redis://…?queue=NAME-dlq, sqs://…, memory://…)")
    .option("--limit <n>", "most letters to show", "100")
    .option("--json", "one JSON object per line (bodies redacted)")
    .action(async (url: string, options: { limit: string; json?: boolean }) => {
      const letters = await withDlq(url, (consumer) => consumer.list({ limit: positive(options.limit) }));
      if (options.json) {
        for (const letter of letters) output.out(JSON.stringify(redact(letter)));
        return;
      }
      output.out(
        [
          "letter".padEnd(36),
          "request".padEnd(20),
          "error".padEnd(24),
          "attempts",
          "     age",
          "reason",
        ].join("  "),
      );
      for (const letter of letters) output.out(row(letter, now()));
      output.out(`${letters.length} letter${letters.length === 1 ? "" : "s"}`);
    });
  dlq
    .command("show")
    .description("Print one dead letter as JSON (body redacted).")
    .argument("<dlq-url>", "the dead-letter queue")
    .argument("<id>", "the letter id, or the original message id")
    .action(async (url: string, id: string) => {
      const letter = await withDlq(url, (consumer) => consumer.show(id));
      if (!letter)
        throw new WinkError(
          "invalid_argument",
          `No dead letter "${id}" in ${url}; \`wink dlq list ${url}\` shows the ids.`,
        );
      output.out(JSON.stringify(redact(letter), null, 2));
    });
  dlq
    .command("redrive")
    .description("Send letters back to the queue they came from (or --to), then delete them from the DLQ.")
    .argument("<dlq-url>", "the dead-letter queue")
    .option("--id <id...>", "letter ids (or original message ids) to send back")
    .option("--all", "send back every letter")
    .option("--to <queue-url>", "send to this queue instead of each letter's source queue")
    .option("--limit <n>", "most letters to look at", "1000")
    .action(async (url: string, options: { id?: string[]; all?: boolean; to?: string; limit: string }) => {
      if (!options.all && !options.id?.length) {
        throw new WinkError("invalid_argument", "Say which letters: --id <id...> or --all.");
      }
      const opened = new Map<string, Mailbox<unknown>>();
      const target = async (source: string): Promise<Mailbox<unknown>> => {
        const queueUrl = options.to ?? siblingQueueUrl(url, source);
        const existing = opened.get(queueUrl);
        if (existing) return existing;
        const mailbox = await openMailbox(queueUrl);
        opened.set(queueUrl, mailbox);
        return mailbox;
      };
      try {
        const outcomes = await withDlq(url, (consumer) =>
          consumer.redrive({
            ...(options.all ? { all: true } : { ids: options.id ?? [] }),
            limit: positive(options.limit),
            to: target,
          }),
        );
        for (const o of outcomes) {
          output.out(
            o.error
              ? `kept     ${o.letterId}  ${redactText(o.error)}`
              : `sent     ${o.letterId} -> ${o.to} (${o.sentId})`,
          );
        }
        const failed = outcomes.filter((o) => o.error).length;
        output.out(`${outcomes.length - failed} sent back, ${failed} kept`);
        if (outcomes.length === 0)
          throw new WinkError("invalid_argument", `No matching dead letters in ${url}.`);
        process.exitCode = failed > 0 ? 1 : 0;
      } finally {
        await Promise.allSettled([...opened.values()].map((m) => m.close()));
      }
    });
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new WinkError(
      "invalid_argument",
      `--limit must be a whole number >= 1, got ${JSON.stringify(value)}.`,
    );
  return n;
}
