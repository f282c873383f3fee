/**
 * The request envelope's `requestId` is optional, as the runtime guide says: without one the
 * message id stands in, and it stays the same on every retry; an empty one is a malformed
 * envelope. (`wink submit` always sends one: a new UUID, or `--request-id`.)
 */
import { describe, expect, it } from "vitest";
import { mainLoopRequestSchema } from "../../../src/runtime/main-loop/index.js";
import { failing, Question, scripted, setup } from "./fixtures.js";

describe("requestId", () => {
  it("is optional in the envelope schema, and must be non-empty when given", () => {
    const schema = mainLoopRequestSchema(Question);
    expect(schema.safeParse({ request: { question: "q" } }).success).toBe(true);
    expect(schema.safeParse({ request: { question: "q" }, requestId: "r-1" }).success).toBe(true);
    expect(schema.safeParse({ request: { question: "q" }, requestId: "" }).success).toBe(false);
  });

  it("defaults to the message id, the same on every retry of the message", async () => {
    const adapter = failing(() => new Error("flaky"));
    const { loop, requests, results, clock } = setup(adapter, { dlqOptions: { maxDeliveryCount: 2 } });
    const messageId = await requests.send({ request: { question: "q" } }, { replyTo: results });
    await loop.run({ maxIterations: 1 });
    await clock.tick(60_000); // the first retry's backoff
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    expect(reply?.body).toMatchObject({ requestId: messageId, success: false, attempt: 2 });
  });

  it("an empty requestId makes the envelope malformed: never evaluated, answered with the error", async () => {
    const { adapter, model } = scripted([]);
    const { loop, requests, results } = setup(adapter);
    const messageId = await requests.send(
      { request: { question: "q" }, requestId: "" },
      { replyTo: results },
    );
    await loop.run({ maxIterations: 1 });
    const [reply] = await results.receive();
    expect(reply?.body).toMatchObject({ requestId: messageId, success: false });
    expect(reply?.body.error?.message).toMatch(/not a valid request envelope:\n {2}- requestId:/);
    expect(model.requests).toBe(0);
  });
});
