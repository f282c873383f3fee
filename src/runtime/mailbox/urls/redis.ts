/**
 * Redis mailbox URLs: `redis://[user:password@]host[:port][/db][?queue=NAME]`, or `rediss://` for
 * TLS — the form `WINK_MAILBOX=redis://redis:6379/0?queue=reviews` configuration uses.
 *
 * @example
 * ```ts
 * import { parseRedisMailboxUrl } from "weakincentives/contrib/mailbox/redis";
 *
 * const target = parseRedisMailboxUrl("redis://:s3cret@redis:6379/2?queue=reviews");
 * // { host: "redis", port: 6379, db: 2, password: "s3cret", tls: false, queue: "reviews",
 * //   redacted: "redis://:***@redis:6379/2?queue=reviews", ... }
 * ```
 */

import { WinkError } from "../../../errors.js";

/** Port used when the URL names none. */
export const DEFAULT_REDIS_PORT = 6379;

/** The parts of a Redis mailbox URL. */
export interface RedisMailboxUrl {
  readonly host: string;
  readonly port: number;
  /** Logical database index (the path), default 0. */
  readonly db: number;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** True for `rediss://`. */
  readonly tls: boolean;
  /** The `queue` query parameter: the mailbox name, when the URL gives one. */
  readonly queue: string | undefined;
  /** The URL with its password replaced by `***`: safe for logs and error messages. */
  readonly redacted: string;
}

const SUPPORTED_PARAMS = ["queue"] as const;
const EXAMPLE = "redis://[user:password@]host[:port][/db][?queue=NAME]";

/** `url` with any password replaced by `***`, even when the URL does not parse. */
export function redactRedisUrl(url: string): string {
  const start = url.indexOf("://");
  if (start < 0) return url;
  const authorityStart = start + 3;
  // Credentials end at the last "@" before the path; a password may contain "@", "/", "#"...
  const at = url.lastIndexOf("@");
  if (at < authorityStart) return url;
  const credentials = url.slice(authorityStart, at);
  const colon = credentials.indexOf(":");
  const user = colon < 0 ? "" : credentials.slice(0, colon);
  return `${url.slice(0, authorityStart)}${user}:***${url.slice(at)}`;
}

function invalid(url: string, problem: string, fix: string): WinkError {
  const redacted = redactRedisUrl(url);
  return new WinkError("invalid_config", `Invalid Redis mailbox URL "${redacted}": ${problem}. ${fix}`, {
    details: { url: redacted },
  });
}

/**
 * Split a Redis mailbox URL into its parts. Throws a `WinkError` (`invalid_config`) that names
 * the URL, with the password redacted, and says how to write it.
 */
export function parseRedisMailboxUrl(url: string): RedisMailboxUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(url, "it is not a URL", `Write it as ${EXAMPLE}.`);
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw invalid(
      url,
      `the scheme "${parsed.protocol}" is not supported`,
      `Use redis:// (or rediss:// for TLS), as in ${EXAMPLE}.`,
    );
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw invalid(url, "it names no host", `Write it as ${EXAMPLE}.`);
  const port = parsed.port === "" ? DEFAULT_REDIS_PORT : Number(parsed.port);
  const path = parsed.pathname.replace(/^\//, "");
  if (!/^\d*$/.test(path)) {
    throw invalid(url, `the path "/${path}" is not a database number`, "Use a path like /0, or none.");
  }
  const db = path === "" ? 0 : Number(path);
  const unknown = [...parsed.searchParams.keys()].filter(
    (key) => !(SUPPORTED_PARAMS as readonly string[]).includes(key),
  );
  if (unknown.length > 0) {
    throw invalid(
      url,
      `unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}`,
      `The only supported parameter is "queue" (the mailbox name).`,
    );
  }
  const queue = parsed.searchParams.get("queue");
  if (queue === "") throw invalid(url, "the queue parameter is empty", "Give it a name: ?queue=reviews.");
  return {
    host,
    port,
    db,
    username: parsed.username === "" ? undefined : decodeComponent(url, parsed.username),
    password: parsed.password === "" ? undefined : decodeComponent(url, parsed.password),
    tls: parsed.protocol === "rediss:",
    queue: queue ?? undefined,
    redacted: redactRedisUrl(url),
  };
}

/** Percent-decode a URL part, or fail naming the (redacted) URL instead of a bare URIError. */
function decodeComponent(url: string, part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(url, "it has a malformed %-escape in its credentials", "Escape % as %25.");
  }
}
