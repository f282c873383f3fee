import { describe, expect, it } from "vitest";
import { createRunContext, runContextLogFields } from "../src/run-context.js";

describe("RunContext", () => {
  it("fills fresh ids and attempt 1 by default", () => {
    const a = createRunContext();
    const b = createRunContext();
    expect(a.runId).not.toBe(b.runId);
    expect(a.attempt).toBe(1);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it("keeps given ids and trace context unchanged", () => {
    const ctx = createRunContext({
      requestId: "req-1",
      attempt: 3,
      traceId: "t",
      spanId: "s",
      workerId: "w",
    });
    expect(ctx).toMatchObject({ requestId: "req-1", attempt: 3, traceId: "t", spanId: "s", workerId: "w" });
  });

  it("rejects a non-positive attempt with the path in the message", () => {
    expect(() => createRunContext({ attempt: 0 })).toThrow(/attempt/);
  });

  it("log fields omit unset optional ids", () => {
    const fields = runContextLogFields(createRunContext({ runId: "r", requestId: "q", workerId: "w" }));
    expect(fields).toEqual({ runId: "r", requestId: "q", attempt: 1, workerId: "w" });
  });
});
