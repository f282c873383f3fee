/**
 * The process-warning guard: the recorder keeps what it is given minus what a test allows, and
 * the project's vitest config really fails a test that triggers `MaxListenersExceededWarning`
 * (checked in a child vitest run over a fixture, since this file must itself stay green).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { allowProcessWarning } from "./process-warnings.js";
import { WarningRecorder, warningFailure } from "./warning-recorder.js";

const root = join(import.meta.dirname, "..", "..");

function warning(name: string, message: string): Error {
  const w = new Error(message);
  w.name = name;
  return w;
}

describe("WarningRecorder", () => {
  it("records warnings until taken", () => {
    const recorder = new WarningRecorder();
    recorder.record(warning("MaxListenersExceededWarning", "11 abort listeners added"));
    expect(recorder.take().map((w) => w.name)).toEqual(["MaxListenersExceededWarning"]);
    expect(recorder.take()).toEqual([]);
  });

  it("lets allowed warnings pass until reset", () => {
    const recorder = new WarningRecorder();
    recorder.allow((w) => w.name === "DeprecationWarning");
    recorder.record(warning("DeprecationWarning", "old API"));
    recorder.reset();
    recorder.record(warning("DeprecationWarning", "old API"));
    expect(recorder.take()).toHaveLength(1);
  });

  it("names every warning and its stack in the failure", () => {
    const failure = warningFailure(
      [warning("MaxListenersExceededWarning", "11 abort listeners added")],
      "now",
    );
    expect(failure.message).toMatch(/1 process warning\(s\) now/);
    expect(failure.message).toMatch(
      /MaxListenersExceededWarning: 11 abort listeners added\n {4}MaxListeners/,
    );
  });
});

describe("the process-warning guard", () => {
  it("lets a test allow the warning it expects", async () => {
    allowProcessWarning((w) => w.name === "WinkGuardTestWarning");
    process.emitWarning("expected here", "WinkGuardTestWarning");
    await new Promise((resolve) => setImmediate(resolve));
  });

  it("fails the test that adds an eleventh abort listener to a signal, in a real vitest run", async () => {
    const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
    const config = join(root, "test", "setup", "fixtures", "vitest.guard.config.ts");
    const run = await promisify(execFile)(process.execPath, [vitest, "run", "--config", config], {
      cwd: root,
      env: { ...process.env, CI: "", FORCE_COLOR: "0", NO_COLOR: "1" },
    }).then(
      (done) => ({ code: 0, output: done.stdout + done.stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        code: err.code ?? -1,
        output: `${err.stdout ?? ""}${err.stderr ?? ""}`,
      }),
    );
    expect(run.code, run.output).toBe(1);
    expect(run.output).toMatch(/adds eleven abort listeners to one signal/);
    expect(run.output).toMatch(/MaxListenersExceededWarning: Possible EventTarget memory leak detected/);
    expect(run.output).toMatch(/1 failed \| 1 passed/);
  }, 60_000);
});
