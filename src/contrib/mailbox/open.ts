/** Mailboxes from URLs; see the entry's module doc for the accepted forms. */

import { InMemoryMailbox } from "../../runtime/mailbox/index.js";
import type { Mailbox, MailboxResolver } from "../../runtime/mailbox/types.js";
import { mailboxKind } from "../../runtime/mailbox/urls/index.js";

export { mailboxKind };

/** Options of {@link openMailbox}. */
export interface OpenMailboxOptions {
  /** Queue name when the URL names none (Redis without `?queue=`, `memory://`). */
  readonly name?: string;
  /** Resolves reply addresses (default: the backend's own, by name). */
  readonly resolver?: MailboxResolver;
  /** Redis only: seconds idle keys live (default 3 days; 0 keeps them, e.g. for dead letters). */
  readonly ttlSeconds?: number;
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
      // Dead-letter queues are opened with 0 (keep forever): dropping it let them expire.
      ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
      ...resolver,
    });
  }
  const { SQSMailbox } = await import("./sqs/index.js");
  return SQSMailbox.fromUrl<Body, ReplyBody>(url, {
    ...(options.name ? { name: options.name } : {}),
    ...resolver,
  });
}
