/**
 * DLQConsumer over a MainLoop's real dead letters: listed with reason and attempts without being
 * consumed, shown by id, redriven to their source queue (where a fixed loop answers them), and
 * kept when they cannot be sent.
 */
import { describe, expect, it } from "vitest";
import { DLQConsumer, type Mailbox } from "../../../src/runtime/mailbox/index.js";
import { envelope, failing, scripted, setup } from "../main-loop/fixtures.js";

describe("DLQConsumer", () => {
  it("lists, shows and redrives a poison request; the redriven request is answered", async () => {
    const broken = failing(() => new TypeError("cannot read the question"));
    const { loop, requests, deadLetters, clock } = setup(broken, { dlqOptions: { maxDeliveryCount: 2 } });
    await requests.send(envelope("q1", "req-1"));
    for (let i = 0; i < 2; i++) {
      await loop.run({ maxIterations: 1 });
      clock.advance(900_000);
    }
    const dlq = new DLQConsumer(deadLetters);
    const letters = await dlq.list();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      requestId: "req-1",
      lastErrorType: "TypeError",
      lastError: "cannot read the question",
      deliveryCount: 2,
      sourceMailbox: requests.name,
    });
    // Listing does not consume.
    expect(await dlq.list()).toHaveLength(1);
    const letterId = letters[0]?.letterId ?? "";
    expect((await dlq.show(letterId))?.requestId).toBe("req-1");
    expect((await dlq.show(letters[0]?.messageId ?? ""))?.letterId).toBe(letterId);

    const outcomes = await dlq.redrive({ ids: [letterId], to: () => requests as Mailbox<unknown> });
    expect(outcomes).toEqual([
      expect.objectContaining({ letterId, to: requests.name, sentId: expect.any(String) }),
    ]);
    expect(await dlq.list()).toHaveLength(0);
    expect(await requests.approximateCount()).toBe(1);

    // The fixed loop answers the redriven request.
    const { adapter } = scripted([{ text: '{"answer": "42"}' }]);
    const fixed = setup(adapter);
    const [message] = await requests.receive();
    expect(message?.body).toMatchObject({ request: { question: "q1" }, requestId: "req-1" });
    await fixed.requests.send(message?.body);
    await fixed.loop.run({ maxIterations: 1 });
    expect(await fixed.requests.approximateCount()).toBe(0);
  });

  it("keeps a letter it cannot send, and needs ids or all", async () => {
    const broken = failing(() => new TypeError("x"));
    const { loop, requests, deadLetters, clock } = setup(broken, { dlqOptions: { maxDeliveryCount: 1 } });
    await requests.send(envelope("q2"));
    await loop.run({ maxIterations: 1 });
    clock.advance(900_000);
    const dlq = new DLQConsumer(deadLetters);
    const outcomes = await dlq.redrive({
      all: true,
      to: () => {
        throw new Error("broker unreachable");
      },
    });
    expect(outcomes).toEqual([expect.objectContaining({ error: "broker unreachable" })]);
    expect(await dlq.list()).toHaveLength(1);
    await expect(dlq.redrive({ to: () => requests as Mailbox<unknown> })).rejects.toThrow(/ids.*all/);
  });
});
