import { describe, expect, it } from "vitest";
import { mailboxKind, openMailbox } from "../../../src/contrib/mailbox/index.js";
import { InMemoryMailbox } from "../../../src/runtime/mailbox/index.js";

describe("mailbox URLs", () => {
  it.each([
    ["memory://reviews", "memory"],
    ["redis://127.0.0.1:6379/0?queue=reviews", "redis"],
    ["rediss://cache.example:6380?queue=r", "redis"],
    ["https://sqs.eu-west-1.amazonaws.com/123456789012/reviews", "sqs"],
    ["sqs://127.0.0.1:9324/000000000000/reviews?region=us-east-1", "sqs"],
  ])("%s opens a %s mailbox", (url, kind) => {
    expect(mailboxKind(url)).toBe(kind);
  });

  it("rejects other URLs, naming the URL (password redacted) and the accepted forms", () => {
    expect(() => mailboxKind("amqp://guest:guest@127.0.0.1/reviews")).toThrow(
      /"amqp:\/\/guest:\[REDACTED\]@127\.0\.0\.1\/reviews" is not one this build opens\. Use memory:\/\/NAME, redis:\/\//,
    );
    expect(() => mailboxKind("https://example.com/q")).toThrow(/is not one this build opens/);
    expect(() => mailboxKind("not a url")).toThrow(/is not one this build opens/);
  });

  it("opens an in-memory mailbox named by the URL or the option", async () => {
    const named = await openMailbox("memory://reviews");
    expect(named).toBeInstanceOf(InMemoryMailbox);
    expect(named.name).toBe("reviews");
    expect((await openMailbox("memory://", { name: "other" })).name).toBe("other");
    expect((await openMailbox("memory://")).name).toBe("default");
  });
});

describe("malformed mailbox URLs", () => {
  it("names a bad %-escape instead of throwing a bare URIError, with the password hidden", async () => {
    const { parseRedisMailboxUrl } = await import("../../../src/contrib/mailbox/redis/index.js");
    const { parseSqsMailboxUrl } = await import("../../../src/contrib/mailbox/sqs/index.js");
    expect(() => parseRedisMailboxUrl("redis://:p%zzword@host:6379/0?queue=q")).toThrow(/malformed %-escape/);
    expect(() => parseRedisMailboxUrl("redis://:p%zzword@host:6379/0?queue=q")).not.toThrow(/p%zzword/);
    expect(() => parseSqsMailboxUrl("sqs://127.0.0.1:9324/000000000000/bad%zz?region=us-east-1")).toThrow(
      /malformed %-escape/,
    );
    expect(() => parseSqsMailboxUrl("sqs://user:S3cretPw@127.0.0.1:9324/x")).not.toThrow(/S3cretPw/);
  });
});
