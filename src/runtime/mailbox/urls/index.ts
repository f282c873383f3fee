/**
 * Mailbox URLs, the form `WINK_MAILBOX` and `wink submit --mailbox` take, checked in one place:
 * which backend a URL selects ({@link mailboxKind}) and whether that backend can read it
 * ({@link checkMailboxUrl}). Pure: nothing here connects; the Redis and SQS clients live in
 * `contrib/mailbox`, which opens what these functions accept.
 */

import { WinkError } from "../../../errors.js";
import { redactText } from "../../../secrets/index.js";
import { parseRedisMailboxUrl } from "./redis.js";
import { parseSqsMailboxUrl } from "./sqs.js";

/** The backends a mailbox URL can select. */
export type MailboxKind = "memory" | "redis" | "sqs";

const FORMS =
  "memory://NAME, redis://host:6379/0?queue=NAME (or rediss://), https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE, " +
  "or sqs://host:port/ACCOUNT/QUEUE?region=REGION";

/** Which backend a mailbox URL selects; throws naming the URL and the accepted forms. */
export function mailboxKind(url: string): MailboxKind {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "memory") return "memory";
  if (scheme === "redis" || scheme === "rediss") return "redis";
  if (scheme === "sqs" || (scheme === "https" && /(^|\.)sqs[.-]/.test(hostOf(url)))) return "sqs";
  throw new WinkError(
    "invalid_config",
    `Mailbox URL "${redactText(url)}" is not one this build opens. Use ${FORMS}.`,
    {
      details: { url: redactText(url) },
    },
  );
}

/**
 * The backend of `url`, after that backend's own parser has read it whole (host, database,
 * queue, account, region…).
 *
 * @throws WinkError `invalid_config` naming the URL, what is wrong with it and the fix.
 */
export function checkMailboxUrl(url: string): MailboxKind {
  const kind = mailboxKind(url);
  if (kind === "redis") parseRedisMailboxUrl(url);
  else if (kind === "sqs") parseSqsMailboxUrl(url);
  else if (hostOf(url) === "") {
    throw new WinkError(
      "invalid_config",
      `Mailbox URL "${redactText(url)}" names no queue. Write memory://NAME.`,
      {
        details: { url: redactText(url) },
      },
    );
  }
  return kind;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return "";
  }
}
