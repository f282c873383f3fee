/**
 * Turns what the AWS SDK throws into mailbox errors. Each mailbox error names the operation,
 * the queue, the AWS error code and AWS's own message, says what to do, and keeps the SDK error
 * as `cause`. Nothing from the client's configuration (credentials, signing) is copied.
 */

import {
  InvalidParameterError,
  MailboxConnectionError,
  type MailboxError,
  MailboxSerializationError,
} from "../../../../runtime/mailbox/errors.js";

/** The parts of an SDK or network error that identify it. */
export interface AwsErrorInfo {
  /** The AWS error code without its `AWS.SimpleQueueService.` prefix, or a Node error code. */
  readonly code: string;
  readonly message: string;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;
}

/** Where the failing call was made. */
export interface AwsCallContext {
  readonly mailbox: string;
  readonly queueUrl: string | undefined;
  readonly operation: string;
}

const PREFIX = "AWS.SimpleQueueService.";

function field(error: object, key: string): unknown {
  return (error as Record<string, unknown>)[key];
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Read the code, message, HTTP status and request id of anything thrown by the SDK. */
export function awsErrorInfo(error: unknown): AwsErrorInfo {
  if (typeof error !== "object" || error === null) {
    return { code: "Unknown", message: String(error), httpStatus: undefined, requestId: undefined };
  }
  const type = str(field(error, "__type"));
  const name = str(field(error, "name"));
  const raw =
    (type === undefined ? undefined : type.slice(type.lastIndexOf("#") + 1)) ??
    (name !== undefined && name !== "Error" ? name : undefined) ??
    str(field(error, "code")) ??
    str(field(error, "Code")) ??
    "Unknown";
  const metadata = field(error, "$metadata");
  const meta = typeof metadata === "object" && metadata !== null ? metadata : {};
  const status = field(meta, "httpStatusCode");
  return {
    code: raw.startsWith(PREFIX) ? raw.slice(PREFIX.length) : raw,
    message: str(field(error, "message")) ?? "(no message)",
    httpStatus: typeof status === "number" ? status : undefined,
    requestId: str(field(meta, "requestId")),
  };
}

/** The codes SQS answers for a receipt handle that is malformed, expired or superseded. */
export function isStaleReceiptError(info: AwsErrorInfo): boolean {
  return (
    info.code === "ReceiptHandleIsInvalid" ||
    info.code === "MessageNotInflight" ||
    (info.code === "InvalidParameterValue" &&
      /receipt ?handle|not available for visibility/i.test(info.message))
  );
}

const CREDENTIAL_CODES = new Set([
  "CredentialsProviderError",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "AccessDenied",
  "AccessDeniedException",
  "InvalidSecurity",
]);
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "TimeoutError",
]);

function hint(info: AwsErrorInfo): string {
  if (info.code === "QueueDoesNotExist" || info.code === "NonExistentQueue") {
    return "The queue does not exist: it was deleted, or the URL, region or account is wrong. Create the queue or fix the queue URL.";
  }
  if (info.code === "PurgeQueueInProgress") {
    return "SQS allows one PurgeQueue per queue every 60 seconds. Wait a minute and purge again.";
  }
  if (CREDENTIAL_CODES.has(info.code)) {
    return "Check the AWS credentials and region the client uses, and that its IAM policy allows this SQS action on the queue.";
  }
  if (NETWORK_CODES.has(info.code)) {
    return "The SQS endpoint could not be reached. Check the endpoint, the network and any proxy settings.";
  }
  if (info.code === "RequestThrottled" || info.code === "OverLimit" || info.code === "ThrottlingException") {
    return "SQS is throttling this client. Retry with backoff or reduce the request rate.";
  }
  return "Retry later; if it persists, check the queue's configuration and the AWS status page.";
}

function describe(context: AwsCallContext, info: AwsErrorInfo): string {
  const where = context.queueUrl === undefined ? "" : ` (${context.queueUrl})`;
  return `SQS ${context.operation} on mailbox "${context.mailbox}"${where} failed with ${info.code}: ${info.message}`;
}

function details(context: AwsCallContext, info: AwsErrorInfo): Record<string, unknown> {
  return {
    mailbox: context.mailbox,
    queueUrl: context.queueUrl,
    operation: context.operation,
    awsCode: info.code,
    httpStatus: info.httpStatus,
    requestId: info.requestId,
  };
}

/**
 * The mailbox error for a failed SQS call: a rejected message body or attribute becomes a
 * {@link MailboxSerializationError}, an out-of-range visibility an {@link InvalidParameterError},
 * anything else a {@link MailboxConnectionError}. The SDK error is kept as `cause`.
 */
export function toMailboxError(error: unknown, context: AwsCallContext): MailboxError {
  const info = awsErrorInfo(error);
  const options = { cause: error, details: details(context, info) };
  if (
    info.code === "InvalidMessageContents" ||
    (info.code === "InvalidParameterValue" && /shorter than|too long|message size/i.test(info.message))
  ) {
    return new MailboxSerializationError(
      `${describe(context, info)}. SQS rejected the message body or its attributes: keep the body below the ` +
        `queue's MaximumMessageSize and send plain JSON data.`,
      options,
    );
  }
  if (info.code === "InvalidParameterValue" && /visibility ?timeout/i.test(info.message)) {
    return new InvalidParameterError(
      `${describe(context, info)}. SQS limits a message's total invisibility to 12 hours from its receive; ` +
        `use a shorter timeout or let the message be redelivered.`,
      options,
    );
  }
  return new MailboxConnectionError(`${describe(context, info)}. ${hint(info)}`, options);
}
