/** RedisMailbox size limit and timing options: what is refused, with which message, and the defaults. */
import { afterAll, expect, it } from "vitest";
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_RESPONSE_TIMEOUT_MS,
  RedisMailbox,
  type RedisMailboxOptions,
} from "../../../../src/contrib/mailbox/redis/index.js";
import { WinkError } from "../../../../src/errors.js";
import { MailboxSerializationError } from "../../../../src/runtime/mailbox/index.js";
import { cleanup, describeRedis, newClient, uniqueName } from "./helpers.js";

afterAll(cleanup);

function open<B = unknown>(options: Partial<RedisMailboxOptions<B>> = {}): RedisMailbox<B> {
  return new RedisMailbox<B>({ name: uniqueName("limits"), client: newClient(), ...options });
}

/** A string whose JSON (with its two quotes) is exactly `bytes` bytes. */
function jsonOfSize(bytes: number): string {
  return "x".repeat(bytes - 2);
}

it("defaults to 256 KiB bodies (as SQS), a 5 s answer time and a 2 s close", () => {
  expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(262_144);
  expect(DEFAULT_RESPONSE_TIMEOUT_MS).toBe(5_000);
  expect(DEFAULT_CLOSE_TIMEOUT_MS).toBe(2_000);
});

describeRedis("RedisMailbox message size", () => {
  it("refuses a 5 MB body by default, naming its size, the limit and the option, and stores nothing", async () => {
    const mailbox = open();
    const error = await mailbox.send({ blob: "x".repeat(5_000_000) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailboxSerializationError);
    const { message, details } = error as MailboxSerializationError;
    expect(message).toMatch(
      /Message [0-9a-f-]{36} for Redis mailbox ".*" is 5000011 bytes of JSON, over the mailbox's limit of 262144 bytes \(256 KiB\)/,
    );
    expect(message).toMatch(/raise the mailbox's maxMessageBytes option/);
    expect(details).toMatchObject({ size: 5_000_011, limit: 262_144 });
    expect(await mailbox.approximateCount()).toBe(0);
  });

  it("accepts a body of exactly maxMessageBytes and refuses one byte more", async () => {
    const mailbox = open<string>({ maxMessageBytes: 1_000 });
    await expect(mailbox.send(jsonOfSize(1_000))).resolves.toEqual(expect.any(String));
    await expect(mailbox.send(jsonOfSize(1_001))).rejects.toThrow(
      /is 1001 bytes of JSON, over .* 1000 bytes/,
    );
    expect(await mailbox.approximateCount()).toBe(1);
  });

  it("counts UTF-8 bytes, not characters", async () => {
    const mailbox = open<string>({ maxMessageBytes: 100 });
    // 40 three-byte characters: 42 characters of JSON, 122 bytes.
    await expect(mailbox.send("€".repeat(40))).rejects.toThrow(/is 122 bytes of JSON/);
  });

  it("raising maxMessageBytes lets larger bodies through", async () => {
    const mailbox = open<string>({ maxMessageBytes: 6_000_000 });
    await mailbox.send("x".repeat(5_000_000));
    const [msg] = await mailbox.receive();
    expect(msg?.body).toHaveLength(5_000_000);
  });

  it("applies the limit to replies sent through the default resolver", async () => {
    const requests = open<string>({ maxMessageBytes: 100 });
    await requests.send("question", { replyTo: uniqueName("replies") });
    const [msg] = await requests.receive();
    await expect(msg?.reply("x".repeat(200))).rejects.toBeInstanceOf(MailboxSerializationError);
  });

  it("rejects bad limits and timeouts, naming the option", () => {
    const make = (options: Partial<RedisMailboxOptions<string>>) => () => open(options);
    expect(make({ maxMessageBytes: 0 })).toThrow(/maxMessageBytes .* must be a whole number of bytes/);
    expect(make({ maxMessageBytes: 1.5 })).toThrow(WinkError);
    expect(make({ maxMessageBytes: 2 ** 30 })).toThrow(/536870912/);
    expect(make({ responseTimeoutMs: 0 })).toThrow(/responseTimeoutMs/);
    // As untyped JavaScript (or a config file) might pass it.
    expect(make({ responseTimeoutMs: "5000" as unknown as number })).toThrow(/responseTimeoutMs/);
    expect(make({ closeTimeoutMs: -1 })).toThrow(/closeTimeoutMs/);
    expect(make({ responseTimeoutMs: Number.POSITIVE_INFINITY })).not.toThrow();
  });
});
