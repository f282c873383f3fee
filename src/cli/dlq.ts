/**
 * `wink dlq list|show|redrive <dlq-url>`: look into a dead-letter queue (a Redis or SQS URL, as
 * `WINK_MAILBOX` takes them) and send letters back to the queues they came from. Bodies,
 * reasons and URLs are redacted in everything printed. Exit codes: 0 done, 1 an error (printed
 * with what to fix) or a letter that could not be sent back.
 */

import type { Command } from "commander";
import { SYSTEM_CLOCK } from "../clock.js";
import { checkMailboxUrl, mailboxKind, openMailbox } from "../contrib/mailbox/index.js";
import { WinkError } from "../errors.js";
import {
  type DeadLetter,
  DLQConsumer,
  type ListedLetter,
  type Mailbox,
  type RedriveReport,
} from "../runtime/mailbox/index.js";
import { redact, redactText } from "../secrets/index.js";
import type { Output } from "./submit.js";

const stdout: Output = { out: (line) => process.stdout.write(`${line}\n`) };

/** Options of `wink dlq list`, as commander parses them. */
interface ListOptions {
  readonly limit: string;
  readonly json?: boolean;
}

/** Options of `wink dlq redrive`, as commander parses them. */
interface RedriveCliOptions {
  readonly id?: string[];
  readonly all?: boolean;
  readonly to?: string;
  readonly limit: string;
}

/** Add `wink dlq` and its subcommands to `program`; `now` (epoch ms) dates the ages shown. */
export function addDlqCommand(
  program: Command,
  output: Output = stdout,
  now: () => number = () => SYSTEM_CLOCK.epochMs(),
): void {
  const dlq = program
    .command("dlq")
    .description("Inspect a dead-letter queue and send its letters back to their queues.");
  dlq
    .command("list")
    .description("List dead letters: id, request, error, attempts, age, reason (reading does not consume).")
    .argument("<dlq-url>", "the dead-letter queue (redis://…?queue=NAME-dlq, https://sqs…, sqs://…)")
    .option("--limit <n>", "most letters to show", "100")
    .option("--json", "one JSON object per letter and line (bodies redacted)")
    .action(async (url: string, options: ListOptions) => {
      const letters = await withDlq(url, (consumer) => consumer.list({ limit: positive(options.limit) }));
      if (options.json) {
        for (const letter of letters) output.out(JSON.stringify(redact(letter)));
        return;
      }
      if (letters.length > 0) printTable(output, letters, now());
      const more =
        letters.length === positive(options.limit)
          ? ` (the first ${letters.length}: raise --limit for more)`
          : "";
      output.out(`${plural(letters.length, "dead letter")} in ${redactText(url)}${more}`);
    });
  dlq
    .command("show")
    .description(
      "Print one dead letter: source, request, error, attempts, times, reply address, body (redacted).",
    )
    .argument("<dlq-url>", "the dead-letter queue")
    .argument("<id>", "the letter id (or the original message id), as `wink dlq list` shows it")
    .option("--json", "print it as JSON")
    .action(async (url: string, id: string, options: { json?: boolean }) => {
      const letter = await withDlq(url, (consumer) => consumer.show(id));
      if (!letter) {
        throw new WinkError(
          "invalid_argument",
          `No dead letter "${id}" in ${redactText(url)}: \`wink dlq list ${redactText(url)}\` shows the ids.`,
        );
      }
      if (options.json) output.out(JSON.stringify(redact(letter), null, 2));
      else printLetter(output, letter, now());
    });
  dlq
    .command("redrive")
    .description("Send letters back to the queue they came from (or --to), deleting each once sent.")
    .argument("<dlq-url>", "the dead-letter queue")
    .option("--id <id...>", "letter ids (or original message ids) to send back")
    .option("--all", "send back every letter (up to --limit)")
    .option("--to <queue-url>", "send to this queue instead of each letter's source queue")
    .option("--limit <n>", "most letters to look at", "1000")
    .action(async (url: string, options: RedriveCliOptions) => {
      await redriveCommand(url, options, output);
    });
}

/** Open the DLQ (checked first, so a bad URL fails before connecting), run, close. */
async function withDlq<T>(url: string, run: (dlq: DLQConsumer) => Promise<T>): Promise<T> {
  const kind = checkMailboxUrl(url);
  if (kind === "memory") {
    throw new WinkError(
      "invalid_argument",
      `${redactText(url)} is an in-memory queue of this process only, which holds no letters. ` +
        "Give the worker's Redis or SQS dead-letter queue URL (its WINK_MAILBOX queue with -dlq appended, for Redis).",
    );
  }
  // ttlSeconds 0, as the worker opens it: reading the DLQ must not shorten how long letters live.
  const mailbox = await openMailbox<DeadLetter>(url, { ttlSeconds: 0 });
  try {
    // SQS short polls sample a few servers and may miss letters; a 1 s long poll asks them all.
    return await run(new DLQConsumer(mailbox, { waitSeconds: kind === "sqs" ? 1 : 0 }));
  } finally {
    await mailbox.close();
  }
}

async function redriveCommand(url: string, options: RedriveCliOptions, output: Output): Promise<void> {
  const ids = options.id ?? [];
  if (Boolean(options.all) === ids.length > 0) {
    throw new WinkError(
      "invalid_argument",
      options.all
        ? "Give --all or --id, not both."
        : `Say which letters: --id <id...> (from \`wink dlq list ${redactText(url)}\`) or --all.`,
    );
  }
  const limit = positive(options.limit);
  if (options.to !== undefined) {
    if (checkMailboxUrl(options.to) === "memory") {
      throw new WinkError(
        "invalid_argument",
        `--to ${options.to} is an in-memory queue of this process only: no worker would see the letters. Give a Redis or SQS queue URL.`,
      );
    }
    if (options.to === url) {
      throw new WinkError(
        "invalid_argument",
        "--to is the dead-letter queue itself: name the queue to send to.",
      );
    }
  }
  const opened = new Map<string, Mailbox<unknown>>();
  const target = async (source: string): Promise<Mailbox<unknown>> => {
    const queueUrl = options.to ?? siblingQueueUrl(url, source);
    let mailbox = opened.get(queueUrl);
    if (mailbox === undefined) {
      mailbox = await openMailbox(queueUrl);
      opened.set(queueUrl, mailbox);
    }
    return mailbox;
  };
  try {
    const report = await withDlq(url, (consumer) =>
      consumer.redrive({ ...(options.all ? { all: true } : { ids }), limit, to: target }),
    );
    printRedrive(output, report, url);
  } finally {
    await Promise.allSettled([...opened.values()].map((m) => m.close()));
  }
}

/**
 * The URL of the queue called `name` on the same broker as `dlqUrl`: the Redis URL with another
 * `queue`, the SQS URL with another last path part.
 */
function siblingQueueUrl(dlqUrl: string, name: string): string {
  if (name === "") {
    throw new WinkError(
      "invalid_argument",
      "This letter is not a dead-letter record (a queue's own redrive policy moved it?), so its source queue is unknown: give it with --to <queue-url>.",
    );
  }
  const url = new URL(dlqUrl);
  if (mailboxKind(dlqUrl) === "redis") url.searchParams.set("queue", name);
  else url.pathname = url.pathname.replace(/[^/]+\/?$/, encodeURIComponent(name));
  return url.toString();
}

function printRedrive(output: Output, report: RedriveReport, url: string): void {
  for (const s of report.sent) {
    output.out(`sent       ${s.letterId}  ${s.requestId ?? "-"}  -> ${s.to} (new message ${s.sentId})`);
    if (s.deleteError) {
      output.out(
        `           but it is still in the DLQ (${s.deleteError}): redriving it again sends it twice`,
      );
    }
  }
  for (const k of report.kept) {
    output.out(`kept       ${k.letterId}  ${k.requestId ?? "-"}  -> ${k.to ?? "?"}: ${k.error}`);
  }
  for (const id of report.notFound) output.out(`not found  ${id}`);
  const where = redactText(url);
  if (report.sent.length + report.kept.length + report.notFound.length === 0) {
    output.out(`No dead letters in ${where}: nothing to redrive.`);
    return;
  }
  output.out(
    `${report.sent.length} sent back, ${report.kept.length} kept in the DLQ, ${report.notFound.length} not found`,
  );
  // Printed as a thrown error would be, so the not-found check below still has its say: exit 1.
  const fail = (message: string): void => {
    process.exitCode = 1;
    process.stderr.write(`wink: ${message}\n`);
  };
  if (report.kept.length > 0) {
    fail(
      `${plural(report.kept.length, "letter")} could not be sent and stayed in ${where}. ` +
        "Fix what the lines above say (is the target queue reachable? does it exist?) and run the same redrive again.",
    );
  }
  const undeleted = report.sent.filter((s) => s.deleteError).length;
  if (undeleted > 0) {
    fail(
      `${plural(undeleted, "letter")} went back but could not be deleted from ${where}: ` +
        "a later redrive would send them again, so leave them out of it (redrive the others with --id).",
    );
  }
  if (report.notFound.length > 0) {
    throw new WinkError(
      "invalid_argument",
      `No dead letter ${report.notFound.map((id) => `"${id}"`).join(", ")} in ${where}: \`wink dlq list ${where}\` shows the ids.`,
    );
  }
}

const COLUMNS = ["LETTER", "REQUEST", "ERROR", "ATTEMPTS", "AGE", "REASON"] as const;

function printTable(output: Output, letters: readonly ListedLetter[], now: number): void {
  const rows = letters.map((l) => [
    l.letterId,
    l.requestId ?? "-",
    l.lastErrorType || "-",
    String(l.deliveryCount),
    age(l.deadLetteredAt || l.firstReceivedAt, now),
    l.recorded ? clip(redactText(l.lastError), 60) : "(not a dead-letter record: no reason kept)",
  ]);
  const widths = COLUMNS.map((title, i) =>
    Math.min(40, Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length))),
  );
  for (const row of [[...COLUMNS], ...rows]) {
    const cells = row.map((cell, i) => {
      if (i === COLUMNS.length - 1) return cell;
      const text = clip(cell, widths[i] ?? 0);
      return i === 3 ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0);
    });
    output.out(cells.join("  ").trimEnd());
  }
}

function printLetter(output: Output, letter: ListedLetter, now: number): void {
  const when = (iso: string): string => (iso ? `${iso} (${age(iso, now)} ago)` : "-");
  const fields: [string, string][] = [
    ["letter", letter.letterId],
    ["message", letter.messageId],
    ["request", letter.requestId ?? "-"],
    ["source", letter.sourceMailbox || "- (not a dead-letter record: give redrive --to)"],
    [
      "error",
      letter.lastErrorType
        ? `${letter.lastErrorType}${letter.lastErrorCode ? ` (${letter.lastErrorCode})` : ""}`
        : "-",
    ],
    ["reason", letter.lastError ? redactText(letter.lastError) : "-"],
    ["attempts", String(letter.deliveryCount)],
    ["dead since", when(letter.deadLetteredAt)],
    ["first sent", when(letter.firstReceivedAt)],
    ["reply to", letter.replyTo ?? "-"],
    ["trace", letter.traceId ?? "-"],
  ];
  for (const [name, value] of fields) output.out(`${name.padEnd(11)} ${value}`);
  output.out("body");
  for (const line of JSON.stringify(redact(letter.body), null, 2).split("\n")) output.out(`  ${line}`);
}

/** `iso` to now, as `42s`, `17m`, `5h` or `3d`; `?` when it is not a date. */
function age(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return "?";
  const seconds = Math.max(0, Math.round((now - at) / 1_000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= width ? flat : `${flat.slice(0, Math.max(0, width - 1))}…`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new WinkError(
      "invalid_argument",
      `--limit must be a whole number >= 1, got ${JSON.stringify(value)}.`,
    );
  }
  return n;
}
