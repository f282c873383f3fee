import { afterEach, describe, expect, it } from "vitest";
import { getLogger, resetLogging } from "../../src/logging/index.js";
import { captureLogs } from "./capture.js";

afterEach(() => resetLogging());

function textLogs() {
  return captureLogs({ json: false });
}

describe("text format", () => {
  it("writes timestamp, level, logger, event, message and compact context on one line", () => {
    const logs = textLogs();
    getLogger("tests.text", { component: "text-test" }).info("text.line", "hello world", { k: "v" });
    expect(logs.lines).toEqual([
      '2025-01-01T00:00:00.000Z INFO tests.text text.line hello world {"component":"text-test","k":"v"}\n',
    ]);
  });

  it("leaves the context out when it is empty", () => {
    const logs = textLogs();
    getLogger("tests.text").warning("text.bare", "nothing else");
    expect(logs.lines).toEqual(["2025-01-01T00:00:00.000Z WARNING tests.text text.bare nothing else\n"]);
  });

  it("writes an error's stack indented below the line and keeps type and message inline", () => {
    const logs = textLogs();
    const error = new Error("boom");
    getLogger("tests.text").error("text.failed", "it failed", { error });
    const [first, ...rest] = (logs.lines[0] ?? "").trimEnd().split("\n");
    expect(first).toBe(
      '2025-01-01T00:00:00.000Z ERROR tests.text text.failed it failed {"error":{"type":"Error","message":"boom"}}',
    );
    expect(rest[0]).toBe("    Error: boom");
    expect(rest.slice(1).every((line) => line.startsWith("        at "))).toBe(true);
    expect(rest.length).toBeGreaterThan(1);
  });

  it("lists the cause chain below the stack", () => {
    const logs = textLogs();
    const root = new TypeError("bad input");
    const error = new Error("outer", { cause: new RangeError("middle", { cause: root }) });
    getLogger("tests.text").error("text.caused", "chain", { error });
    const lines = (logs.lines[0] ?? "").trimEnd().split("\n");
    expect(lines.slice(-2)).toEqual([
      "    Caused by: RangeError: middle",
      "    Caused by: TypeError: bad input",
    ]);
  });

  it("shows a non-error cause by its value", () => {
    const logs = textLogs();
    getLogger("tests.text").error("text.caused", "odd cause", {
      error: new Error("outer", { cause: { code: 7 } }),
    });
    expect(logs.lines[0]?.trimEnd().split("\n").at(-1)).toBe('    Caused by: object: {"code":7}');
  });

  it("writes stacks of errors nested in arrays", () => {
    const logs = textLogs();
    getLogger("tests.text").error("text.many", "several", { failures: [new Error("one"), new Error("two")] });
    const text = logs.lines[0] ?? "";
    expect(text).toContain("\n    Error: one\n");
    expect(text).toContain("\n    Error: two\n");
  });
});
