/** Mailboxes from URLs; see the entry's module doc for the accepted forms. */

import { WinkError } from "../../errors.js";
import { InMemoryMailbox } from "../../runtime/mailbox/index.js";
import type { Mailbox, MailboxResolver } from "../../runtime/mailbox/types.js";
import { redactText } from "../../secrets/index.js";

/** Options of {@link openMailbox}. */
export interface OpenMailboxOptions {
  /** Queue name when the URL names none (Redis without `?queue=`, `memory://`). */
  readonly name?: string;
  /** Resolves reply addresses (default: the backend's own, by name). */
  readonly resolver?: MailboxResolver;
  /** Redis only: seconds idle keys live (default 3 days; 0 keeps them, e.g. for dead letters). */
  readonly ttlSeconds?: number;
}

/** Which backend a mailbox URL selects; throws naming the URL and the accepted forms. */
export function mailboxKind(url: string): "memory" | "redis" | "sqs" {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "memory") return "memory";
  if (scheme === "redis" || scheme === "rediss") return "redis";
  if (scheme === "sqs" || (scheme === "https" && /(^|\.)sqs[.-]/.test(hostOf(url)))) return "sqs";
  throw new WinkError(
    "invalid_config",
    `Mailbox URL "${redactText(url)}" is not one this build opens. Use memory://NAME, ` +
      "redis://host:6379/0?queue=NAME (or rediss://), https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE, " +
      "or sqs://host:port/ACCOUNT/QUEUE?region=REGION.",
    { details: { url: redactText(url) } },
  );
}

/**
 * Open the mailbox a URL names. Redis and SQS mailboxes connect lazily or at once as their
 * `fromUrl` does; close the result when done.
 */
export async function openMailbox<Body = unknown, ReplyBody = unknown>(
  url: string,
  options: OpenMailboxOptions = {},
): Promise<Mailbox<Body, ReplyBody>> {
  const kind = mailboxKind(url);
  const resolver = options.resolver ? { resolver: options.resolver } : {};
  if (kind === "memory") {
    const name = options.name ?? (url.slice("memory://".length).replace(/\/+$/, "") || "default");
    return new InMemoryMailbox<Body, ReplyBody>({ name, ...resolver });
  }
  if (kind === "redis") {
    const { RedisMailbox } = await import("./redis/index.js");
    return RedisMailbox.fromUrl<Body, ReplyBody>(url, {
      ...(options.name ? { name: options.name } : {}),
      ...resolver,
    });
  }
  const { SQSMailbox } = await import("./sqs/index.js");
  return SQSMailbox.fromUrl<Body, ReplyBody>(url, {
    ...(options.name ? { name: options.name } : {}),
    ...resolver,
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return "";
  }
}
