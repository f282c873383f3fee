import { afterEach, describe, expect, it } from "vitest";
import { bindRunContext, getLogger, resetLogging } from "../../src/logging/index.js";
import { createRunContext } from "../../src/run-context.js";
import { captureLogs } from "./capture.js";

afterEach(() => resetLogging());

describe("bound context", () => {
  it("adds the bound fields to every record of the child", () => {
    const logs = captureLogs();
    const child = getLogger("tests.bind", { a: 1 }).bind({ b: 2 });
    child.info("bind.one", "first");
    child.info("bind.two", "second", { c: 3 });
    expect(logs.records().map((r) => r.context)).toEqual([
      { a: 1, b: 2 },
      { a: 1, b: 2, c: 3 },
    ]);
  });

  it("offers pino's names: child for bind, warn for warning, fatal for critical, with the guide's levels", () => {
    const logs = captureLogs({ level: "warn" });
    const child = getLogger("tests.bind", { a: 1 }).child({ b: 2 });
    expect(child.isEnabled("warn")).toBe(true);
    expect(child.isEnabled("info")).toBe(false);
    expect(child.isEnabled("fatal")).toBe(true);
    child.info("bind.dropped", "below the threshold");
    child.warn("bind.warn", "a problem");
    child.fatal("bind.fatal", "going down");
    expect(logs.records().map((r) => [r.level, r.event, r.context])).toEqual([
      ["WARNING", "bind.warn", { a: 1, b: 2 }],
      ["CRITICAL", "bind.fatal", { a: 1, b: 2 }],
    ]);
  });

  it("keeps the name of the parent", () => {
    expect(getLogger("tests.bind").bind({ x: 1 }).name).toBe("tests.bind");
  });

  it("lets the child's bound fields override the parent's, and call fields override both", () => {
    const logs = captureLogs();
    getLogger("tests.bind", { who: "parent", keep: 1 })
      .bind({ who: "child" })
      .info("bind.override", "merged", { who: "call" });
    expect(logs.only().context).toEqual({ who: "call", keep: 1 });
  });

  it("leaves the parent unchanged", () => {
    const logs = captureLogs();
    const parent = getLogger("tests.bind", { a: 1 });
    parent.bind({ b: 2 });
    parent.info("bind.parent", "parent only");
    expect(logs.only().context).toEqual({ a: 1 });
  });

  it("is not affected by later changes to the object it was given", () => {
    const logs = captureLogs();
    const fields: Record<string, unknown> = { a: 1 };
    const log = getLogger("tests.bind").bind(fields);
    fields.a = 2;
    log.info("bind.snapshot", "snapshot");
    expect(logs.only().context).toEqual({ a: 1 });
  });
});

describe("bindRunContext", () => {
  it("binds every set field of the run context", () => {
    const logs = captureLogs();
    const run = createRunContext({
      runId: "run-1",
      requestId: "req-1",
      attempt: 3,
      workerId: "worker-7",
      sessionId: "sess-1",
      traceId: "trace-1",
      spanId: "span-1",
    });
    bindRunContext(getLogger("tests.bind"), run).info("request.start", "start", { queue: "q" });
    expect(logs.only().context).toEqual({
      runId: "run-1",
      requestId: "req-1",
      attempt: 3,
      workerId: "worker-7",
      sessionId: "sess-1",
      traceId: "trace-1",
      spanId: "span-1",
      queue: "q",
    });
  });

  it("leaves out the optional fields that are not set", () => {
    const logs = captureLogs();
    const run = createRunContext({ runId: "r", requestId: "q", workerId: "w" });
    bindRunContext(getLogger("tests.bind"), run).info("request.start", "start");
    expect(Object.keys(logs.only().context).sort()).toEqual(["attempt", "requestId", "runId", "workerId"]);
  });
});
