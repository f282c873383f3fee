import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./fixtures/log-once.ts", import.meta.url));
const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

function run(env: Record<string, string>, ...args: string[]): { stdout: string; stderr: string } {
  const child = spawnSync(tsx, [fixture, ...args], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  expect(child.status).toBe(0);
  return { stdout: child.stdout, stderr: child.stderr };
}

describe("standard error destination", () => {
  it("configures itself from the environment on the first record when configureLogging was never called", () => {
    const { stdout, stderr } = run({ WEAKINCENTIVES_LOG_LEVEL: "debug", WEAKINCENTIVES_LOG_FORMAT: "json" });
    expect(stdout).toBe("");
    const records = stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r.event)).toEqual(["fixture.debug", "fixture.info"]);
    expect(records[1]?.context).toEqual({ pid: "fixed", apiKey: "[REDACTED]" });
  });

  it("writes text at INFO to standard error by default", () => {
    const { stderr } = run({});
    expect(stderr).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO fixture\.lazy fixture\.info info record \{"pid":"fixed","apiKey":"\[REDACTED\]"\}\n$/,
    );
  });

  it("falls back to INFO text with a warning when the environment is invalid, instead of crashing the caller", () => {
    const { stderr } = run({ WEAKINCENTIVES_LOG_LEVEL: "chatty" });
    const lines = stderr.trim().split("\n");
    expect(lines[0]).toMatch(/ WARNING weakincentives\.runtime\.logging logging\.config_invalid .*"chatty"/);
    expect(lines[1]).toContain(" INFO fixture.lazy fixture.info ");
    expect(lines).toHaveLength(2);
  });

  it("writes to standard error after configureLogging without a destination", () => {
    const { stderr } = run({}, "--configure");
    const events = stderr
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toEqual(["fixture.debug", "fixture.info"]);
  });
});
