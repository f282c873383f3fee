/**
 * `weakincentives/contrib/mailbox`: open a mailbox from a URL, the form `WINK_MAILBOX` and
 * `wink submit --mailbox` take. The Redis and SQS clients are optional peers, loaded only when a
 * URL needs them.
 *
 * | URL | Mailbox |
 * |---|---|
 * | `memory://NAME` | `InMemoryMailbox` (this process only) |
 * | `redis://[user:pw@]host[:port][/db]?queue=NAME`, `rediss://…` | `RedisMailbox` |
 * | `https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE`, `sqs://host:port/ACCOUNT/QUEUE?region=…` | `SQSMailbox` |
 *
 * @example
 * ```ts
 * import { openMailbox } from "weakincentives/contrib/mailbox";
 *
 * const requests = await openMailbox(process.env.WINK_MAILBOX ?? "memory://reviews");
 * ```
 */
export { checkMailboxUrl, type MailboxKind } from "../../runtime/mailbox/urls/index.js";
export { mailboxKind, type OpenMailboxOptions, openMailbox } from "./open.js";
