import { describe, expect, it } from "vitest";
import { DEFAULT_LOCAL_REGION, parseSqsMailboxUrl } from "../../../../src/contrib/mailbox/sqs/index.js";
import {
  awsErrorInfo,
  isStaleReceiptError,
  toMailboxError,
} from "../../../../src/contrib/mailbox/sqs/internal/aws-errors.js";
import { WinkError } from "../../../../src/errors.js";
import {
  InvalidParameterError,
  MailboxConnectionError,
  MailboxSerializationError,
} from "../../../../src/runtime/mailbox/index.js";
import { regionOfQueueUrl } from "../../../../src/runtime/mailbox/urls/sqs.js";

describe("parseSqsMailboxUrl", () => {
  it("reads an AWS queue URL: region, account and queue", () => {
    expect(parseSqsMailboxUrl("https://sqs.eu-west-1.amazonaws.com/123456789012/reviews")).toEqual({
      queueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/reviews",
      queueName: "reviews",
      accountId: "123456789012",
      region: "eu-west-1",
      endpoint: undefined,
    });
  });

  it("accepts FIPS, legacy, China and FIFO forms", () => {
    expect(parseSqsMailboxUrl("https://sqs-fips.us-gov-west-1.amazonaws.com/123456789012/q").region).toBe(
      "us-gov-west-1",
    );
    expect(parseSqsMailboxUrl("https://us-east-2.queue.amazonaws.com/123456789012/q").region).toBe(
      "us-east-2",
    );
    expect(parseSqsMailboxUrl("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q").region).toBe(
      "cn-north-1",
    );
    expect(parseSqsMailboxUrl("https://sqs.us-east-1.amazonaws.com/123456789012/jobs.fifo/").queueName).toBe(
      "jobs.fifo",
    );
  });

  it("reads an sqs:// URL as a local endpoint over HTTP, with us-east-1 as the default region", () => {
    expect(parseSqsMailboxUrl("sqs://localhost:4566/000000000000/reviews?region=eu-central-1")).toEqual({
      queueUrl: "http://localhost:4566/000000000000/reviews",
      queueName: "reviews",
      accountId: "000000000000",
      region: "eu-central-1",
      endpoint: "http://localhost:4566",
    });
    expect(parseSqsMailboxUrl("sqs://elasticmq/queue/jobs").region).toBe(DEFAULT_LOCAL_REGION);
  });

  it.each([
    ["not a url", /is not a URL/],
    ["ftp://sqs.us-east-1.amazonaws.com/123456789012/q", /scheme "ftp:"/],
    ["https://example.com/123456789012/q", /"example.com" is not an SQS host.*sqs:\/\//],
    ["https://sqs.us-east-1.amazonaws.com/123/q", /account "123" must be 12 digits/],
    ["https://sqs.us-east-1.amazonaws.com/123456789012", /path must be \/<account>\/<queue>/],
    ["https://sqs.us-east-1.amazonaws.com/123456789012/a/b", /path must be/],
    ["https://sqs.us-east-1.amazonaws.com/123456789012/bad%20name", /"bad name" is not a valid queue name/],
    ["sqs://localhost:4566/000000000000/q?regoin=us-east-1", /unknown query parameter\(s\) "regoin"/],
    ["sqs://localhost:4566/000000000000/q?region=moon", /"moon" is not an AWS region/],
    ["sqs:///000000000000/q", /names no host/],
  ])("rejects %s, naming the URL and the accepted forms", (url, problem) => {
    const error = (() => {
      try {
        parseSqsMailboxUrl(url);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(WinkError);
    expect((error as WinkError).code).toBe("invalid_argument");
    expect((error as Error).message).toMatch(problem);
    expect((error as Error).message).toContain(`"${url}"`);
    expect((error as Error).message).toContain("https://sqs.<region>.amazonaws.com/<account>/<queue>");
  });

  it("finds the region in queue URL hosts that name one", () => {
    expect(regionOfQueueUrl("http://sqs.us-east-1.localhost:4566/000000000000/q")).toBe("us-east-1");
    expect(regionOfQueueUrl("https://us-west-2.queue.amazonaws.com/1/q")).toBe("us-west-2");
    expect(regionOfQueueUrl("http://127.0.0.1:4566/000000000000/q")).toBeUndefined();
    expect(regionOfQueueUrl("nonsense")).toBeUndefined();
  });
});

const context = {
  mailbox: "jobs",
  queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
  operation: "Op",
};

function awsError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), {
    name,
    $metadata: { httpStatusCode: 400, requestId: "req-1" },
    ...extra,
  });
}

describe("AWS error mapping", () => {
  it("normalizes codes from __type, name, Node's code, and the query-protocol prefix", () => {
    expect(awsErrorInfo(awsError("x", "m", { __type: "com.amazonaws.sqs#QueueDoesNotExist" })).code).toBe(
      "QueueDoesNotExist",
    );
    expect(awsErrorInfo(awsError("AWS.SimpleQueueService.InvalidParameterValue", "m")).code).toBe(
      "InvalidParameterValue",
    );
    expect(awsErrorInfo(Object.assign(new Error("connect"), { code: "ECONNREFUSED" })).code).toBe(
      "ECONNREFUSED",
    );
    expect(awsErrorInfo("boom")).toEqual({
      code: "Unknown",
      message: "boom",
      httpStatus: undefined,
      requestId: undefined,
    });
    expect(awsErrorInfo({})).toMatchObject({ code: "Unknown", message: "(no message)" });
    expect(awsErrorInfo(awsError("X", "m"))).toMatchObject({ httpStatus: 400, requestId: "req-1" });
  });

  it("recognizes the answers SQS gives for stale receipt handles", () => {
    const stale = (name: string, message: string) =>
      isStaleReceiptError(awsErrorInfo(awsError(name, message)));
    expect(stale("ReceiptHandleIsInvalid", "The input receipt handle is invalid.")).toBe(true);
    expect(
      stale(
        "MessageNotInflight",
        "Message does not exist or is not available for visibility timeout change.",
      ),
    ).toBe(true);
    expect(
      stale("InvalidParameterValue", "Value abc for parameter ReceiptHandle is invalid. Reason: expired."),
    ).toBe(true);
    expect(stale("InvalidParameterValue", "Value 99999 for parameter VisibilityTimeout is invalid.")).toBe(
      false,
    );
  });

  it.each([
    [
      "PurgeQueueInProgress",
      "Only one PurgeQueue operation on q is allowed every 60 seconds.",
      /Wait a minute/,
    ],
    [
      "CredentialsProviderError",
      "Could not load credentials from any providers",
      /Check the AWS credentials/,
    ],
    ["AccessDenied", "Access to the resource is denied.", /IAM policy/],
    ["RequestThrottled", "Rate exceeded", /throttling/],
    ["InternalError", "We encountered an internal error.", /Retry later/],
  ])("maps %s to MailboxConnectionError with a hint", (name, message, hint) => {
    const error = toMailboxError(awsError(name, message), context);
    expect(error).toBeInstanceOf(MailboxConnectionError);
    expect(error.message).toContain(
      `SQS Op on mailbox "jobs" (${context.queueUrl}) failed with ${name}: ${message}`,
    );
    expect(error.message).toMatch(hint);
    expect(error.details).toMatchObject({ awsCode: name, operation: "Op", requestId: "req-1" });
  });

  it("maps rejected contents to MailboxSerializationError and visibility limits to InvalidParameterError", () => {
    expect(toMailboxError(awsError("InvalidMessageContents", "Invalid characters"), context)).toBeInstanceOf(
      MailboxSerializationError,
    );
    const visibility = toMailboxError(
      awsError(
        "InvalidParameterValue",
        "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]",
      ),
      context,
    );
    expect(visibility).toBeInstanceOf(InvalidParameterError);
    expect(visibility.cause).toBeInstanceOf(Error);
    expect(toMailboxError(awsError("X", "m"), { ...context, queueUrl: undefined }).message).toContain(
      'SQS Op on mailbox "jobs" failed',
    );
  });
});
