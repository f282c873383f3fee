import { describe, expect, it } from "vitest";
import { ThrottleError } from "../../src/adapters/errors.js";
import {
  backoffDelay,
  classifyHttpError,
  DEFAULT_THROTTLE_POLICY,
  parseRetryAfter,
  throttlePolicy,
  withThrottle,
} from "../../src/adapters/throttle.js";
import { FakeClock } from "../../src/clock.js";
import { Deadline } from "../../src/deadline.js";

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

const classify = (error: unknown) => classifyHttpError(error, 0);

describe("backoffDelay", () => {
  it("grows exponentially, is capped, and never goes below base or Retry-After", () => {
    const policy = DEFAULT_THROTTLE_POLICY;
    expect(backoffDelay(policy, 1, undefined, () => 1)).toBe(500);
    expect(backoffDelay(policy, 3, undefined, () => 1)).toBe(2_000);
    expect(backoffDelay(policy, 10, undefined, () => 1)).toBe(8_000);
    expect(backoffDelay(policy, 3, undefined, () => 0.5)).toBe(1_000);
    expect(backoffDelay(policy, 1, undefined, () => 0)).toBe(500);
    expect(backoffDelay(policy, 1, 12_000, () => 0)).toBe(12_000);
  });
});

describe("withThrottle", () => {
  it("retries a 429 honouring Retry-After, then succeeds", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const waits: number[] = [];
    const started = clock.monotonic();
    const run = withThrottle(
      async () => {
        calls++;
        waits.push(clock.monotonic() - started);
        if (calls < 3) throw new HttpError(429, { "retry-after": "1" });
        return "ok";
      },
      { classify, clock, describe: "test", random: () => 0 },
    );
    while (calls < 3) await clock.tick(500);
    await expect(run).resolves.toBe("ok");
    expect(calls).toBe(3);
    expect(waits[1]).toBeGreaterThanOrEqual(1_000);
  });

  it("gives up after maxAttempts with a ThrottleError carrying status and attempts", async () => {
    const clock = new FakeClock();
    const run = withThrottle(
      async () => {
        throw new HttpError(500);
      },
      {
        classify,
        clock,
        describe: "openai gpt",
        policy: { maxAttempts: 2, baseDelayMs: 10 },
        random: () => 0,
      },
    );
    const settled = run.catch((e: unknown) => e);
    await clock.tick(10);
    const err = (await settled) as ThrottleError;
    expect(err).toBeInstanceOf(ThrottleError);
    expect(err.attempts).toBe(2);
    expect(err.status).toBe(500);
    expect(err.message).toMatch(
      /openai gpt failed \(server_error 500: .*\) and the retry budget of 2 attempts is exhausted/,
    );
  });

  it("refuses a backoff that would pass the deadline", async () => {
    const clock = new FakeClock();
    const deadline = Deadline.after(2_000, clock);
    const err = await withThrottle(
      async () => {
        throw new HttpError(429, { "retry-after": "3" });
      },
      { classify, clock, deadline, describe: "x", random: () => 0 },
    ).catch((e: unknown) => e as ThrottleError);
    expect(err).toBeInstanceOf(ThrottleError);
    expect((err as ThrottleError).attempts).toBe(1);
    expect((err as ThrottleError).message).toMatch(/deadline leaves 2000 ms, less than the 3000 ms backoff/);
  });

  it("refuses a retry past the total delay window", async () => {
    const err = await withThrottle(
      async () => {
        throw new HttpError(429);
      },
      { classify, clock: new FakeClock(), describe: "x", policy: { maxTotalDelayMs: 60 }, random: () => 0 },
    ).catch((e: unknown) => e as ThrottleError);
    expect((err as ThrottleError).message).toMatch(/exceed the retry window of 60 ms/);
  });

  it("surfaces non-retryable errors at once", async () => {
    let calls = 0;
    const boom = new HttpError(400);
    await expect(
      withThrottle(
        async () => {
          calls++;
          throw boom;
        },
        { classify, clock: new FakeClock(), describe: "x" },
      ),
    ).rejects.toBe(boom);
    expect(calls).toBe(1);
  });

  it("stops waiting when the signal aborts", async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const run = withThrottle(
      async () => {
        throw new HttpError(503);
      },
      { classify, clock, describe: "x", signal: controller.signal },
    );
    const settled = run.catch((e: unknown) => e);
    await clock.tick(0);
    controller.abort(new Error("shutdown"));
    expect(((await settled) as Error).message).toBe("shutdown");
  });
});

describe("policy and classification", () => {
  it("validates policy values, naming them", () => {
    expect(() => throttlePolicy({ maxAttempts: 0 })).toThrow(/maxAttempts must be an integer >= 1, got 0/);
    expect(() => throttlePolicy({ baseDelayMs: -1 })).toThrow(/baseDelayMs must be a number >= 0, got -1/);
  });

  it("parses Retry-After seconds and dates", () => {
    expect(parseRetryAfter("2", 0)).toBe(2_000);
    expect(parseRetryAfter("Thu, 01 Jan 1970 00:00:05 GMT", 1_000)).toBe(4_000);
    expect(parseRetryAfter("soon", 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });

  it("classifies statuses, connection failures and quota exhaustion", () => {
    expect(classify(new HttpError(429))).toMatchObject({ retry: true, kind: "rate_limit" });
    expect(classify(new HttpError(503))).toMatchObject({ retry: true, kind: "server_error", status: 503 });
    expect(classify(new HttpError(408))).toMatchObject({ retry: true, kind: "timeout" });
    expect(classify(new HttpError(401))).toEqual({ retry: false });
    expect(classify(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toMatchObject({
      kind: "connection",
    });
    class APIConnectionTimeoutError extends Error {}
    class APIConnectionError extends Error {}
    expect(classify(new APIConnectionTimeoutError("x"))).toMatchObject({ kind: "timeout" });
    expect(classify(new APIConnectionError("x"))).toMatchObject({ kind: "connection" });
    expect(classify(Object.assign(new HttpError(429), { error: { code: "insufficient_quota" } }))).toEqual({
      retry: false,
    });
    expect(classify("nope")).toEqual({ retry: false });
    const withHeaders = Object.assign(new Error("x"), {
      status: 429,
      headers: new Headers({ "retry-after": "7" }),
    });
    expect(classify(withHeaders)).toMatchObject({ retryAfterMs: 7_000 });
  });
});
