/**
 * Mailbox URLs for SQS: the two spellings {@link SQSMailbox.fromUrl} accepts, parsed into the
 * queue URL the AWS SDK needs plus the region (and, for local servers, the endpoint).
 *
 * - `https://sqs.<region>.amazonaws.com/<account>/<queue>`: a queue on AWS (also the FIPS host
 *   `sqs-fips.<region>…`, the legacy `<region>.queue.amazonaws.com` and the `.amazonaws.com.cn`
 *   China hosts).
 * - `sqs://<host>:<port>/<account>/<queue>?region=<region>`: a queue on an SQS-compatible server
 *   reached over plain HTTP (fauxqs, ElasticMQ, LocalStack). `region` defaults to `us-east-1`.
 *
 * @example
 * ```ts
 * import { parseSqsMailboxUrl } from "weakincentives/contrib/mailbox/sqs";
 *
 * parseSqsMailboxUrl("https://sqs.eu-west-1.amazonaws.com/123456789012/reviews");
 * // { queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/reviews", queueName: "reviews",
 * //   accountId: "123456789012", region: "eu-west-1", endpoint: undefined }
 * parseSqsMailboxUrl("sqs://localhost:4566/000000000000/reviews?region=us-east-1").endpoint;
 * // "http://localhost:4566"
 * ```
 */

import { WinkError } from "../../../errors.js";
import { redactText } from "../../../secrets/index.js";

/** What a mailbox URL names. */
export interface SqsMailboxUrl {
  /** The queue URL to pass to the SDK (`http://` for an `sqs://` URL). */
  readonly queueUrl: string;
  /** The last path segment: the queue's name, and the mailbox's default name. */
  readonly queueName: string;
  /** The account path segment (12 digits on AWS; emulators accept any). */
  readonly accountId: string;
  /** The AWS region the queue lives in. */
  readonly region: string;
  /** The endpoint to give the SDK for a local server; undefined for AWS hosts. */
  readonly endpoint: string | undefined;
}

/** Region a local (`sqs://`) URL gets when it names none. */
export const DEFAULT_LOCAL_REGION = "us-east-1";

const FORMS =
  "Use https://sqs.<region>.amazonaws.com/<account>/<queue> for AWS, or " +
  "sqs://<host>:<port>/<account>/<queue>?region=<region> for a local SQS-compatible server.";

/** SQS queue names: 1–80 letters, digits, `-` or `_`, a FIFO queue ending in `.fifo`. */
const QUEUE_NAME = /^(?=.{1,80}$)[A-Za-z0-9_-]+(?:\.fifo)?$/;
const AWS_HOST = /^(?:sqs(?:-fips)?\.([a-z0-9-]+)|([a-z0-9-]+)\.queue)\.amazonaws\.com(?:\.cn)?$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

/** True when `name` is a valid SQS queue name. */
export function isSqsQueueName(name: string): boolean {
  return QUEUE_NAME.test(name);
}

/**
 * The region in an SQS host name (`sqs.<region>.…`, `sqs-fips.<region>.…` or
 * `<region>.queue.amazonaws.com`), or undefined when the host does not name one.
 */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  const host = URL.canParse(queueUrl) ? new URL(queueUrl).hostname : "";
  const match = /^sqs(?:-fips)?\.([a-z0-9-]+)\./.exec(host) ?? /^([a-z0-9-]+)\.queue\.amazonaws\./.exec(host);
  const region = match?.[1];
  return region !== undefined && REGION.test(region) ? region : undefined;
}

function invalid(url: string, problem: string): WinkError {
  const shown = redactText(url);
  return new WinkError("invalid_argument", `Invalid SQS mailbox URL "${shown}": ${problem}. ${FORMS}`, {
    details: { url: shown },
  });
}

function pathSegments(url: string, parsed: URL): { accountId: string; queueName: string } {
  const segments = parsed.pathname.split("/").filter((s) => s !== "");
  const [accountId, queueName] = segments;
  if (segments.length !== 2 || accountId === undefined || queueName === undefined) {
    throw invalid(url, `the path must be /<account>/<queue>, got "${parsed.pathname}"`);
  }
  const name = decodePart(url, queueName);
  if (!QUEUE_NAME.test(name)) {
    throw invalid(
      url,
      `"${name}" is not a valid queue name (1–80 letters, digits, "-" or "_", optionally ending in ".fifo")`,
    );
  }
  return { accountId: decodePart(url, accountId), queueName: name };
}

/**
 * Parse a mailbox URL (see the module doc for the two forms). Throws a `WinkError`
 * (`invalid_argument`) that names the URL, what is wrong with it and the accepted forms.
 */
export function parseSqsMailboxUrl(url: string): SqsMailboxUrl {
  if (!URL.canParse(url)) throw invalid(url, "it is not a URL");
  const parsed = new URL(url);
  if (parsed.protocol === "https:") {
    const host = AWS_HOST.exec(parsed.hostname);
    const region = host?.[1] ?? host?.[2];
    if (region === undefined) {
      throw invalid(url, `"${parsed.hostname}" is not an SQS host; for any other server use the sqs:// form`);
    }
    const { accountId, queueName } = pathSegments(url, parsed);
    if (!/^\d{12}$/.test(accountId)) {
      throw invalid(url, `the account "${accountId}" must be 12 digits`);
    }
    const queueUrl = `https://${parsed.host}/${accountId}/${queueName}`;
    return { queueUrl, queueName, accountId, region, endpoint: undefined };
  }
  if (parsed.protocol === "sqs:") {
    if (parsed.hostname === "") throw invalid(url, "it names no host");
    const unknown = [...parsed.searchParams.keys()].filter((key) => key !== "region");
    if (unknown.length > 0) {
      throw invalid(url, `unknown query parameter(s) ${unknown.map((k) => `"${k}"`).join(", ")}`);
    }
    const region = parsed.searchParams.get("region") ?? DEFAULT_LOCAL_REGION;
    if (!REGION.test(region)) throw invalid(url, `"${region}" is not an AWS region name like us-east-1`);
    const { accountId, queueName } = pathSegments(url, parsed);
    const endpoint = `http://${parsed.host}`;
    return { queueUrl: `${endpoint}/${accountId}/${queueName}`, queueName, accountId, region, endpoint };
  }
  throw invalid(url, `the scheme "${parsed.protocol}" is not supported`);
}

/** Percent-decode a path segment, or fail naming the URL instead of a bare URIError. */
function decodePart(url: string, part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(url, `"${part}" has a malformed %-escape`);
  }
}
