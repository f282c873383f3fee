import { describe, expect, it } from "vitest";
import {
  type CalibrationInput,
  checkCalibration,
  formatCalibrationIssue,
} from "../../../src/runtime/lifecycle/calibration.js";

const DEFAULTS: CalibrationInput = {
  visibilityTimeout: 1800,
  watchdogThreshold: 720,
  watchdogInterval: 60,
  waitTimeSeconds: 20,
  maxProcessingSeconds: 600,
  shutdownTimeout: 30,
};

describe("checkCalibration", () => {
  it("accepts the defaults, calibrated for 10-minute evaluations", () => {
    expect(checkCalibration(DEFAULTS)).toEqual([]);
  });

  it("requires visibilityTimeout > watchdogThreshold + maxProcessingSeconds, showing the numbers", () => {
    const [issue, ...rest] = checkCalibration({ ...DEFAULTS, visibilityTimeout: 1320 });
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ rule: "visibility_timeout", actual: 1320, bound: 1320 });
    expect(issue?.message).toContain("visibilityTimeout (1320 s)");
    expect(issue?.message).toContain("720 + 600 = 1320 s");
    expect(checkCalibration({ ...DEFAULTS, visibilityTimeout: 1321 })).toEqual([]);
  });

  it("requires watchdogThreshold > waitTimeSeconds + maxProcessingSeconds", () => {
    const issues = checkCalibration({ ...DEFAULTS, watchdogThreshold: 620, watchdogInterval: 60 });
    expect(issues.map((i) => i.rule)).toEqual(["watchdog_threshold"]);
    expect(issues[0]?.message).toContain("20 + 600 = 620 s");
  });

  it("requires watchdogInterval < watchdogThreshold / 3", () => {
    const issues = checkCalibration({ ...DEFAULTS, watchdogInterval: 240 });
    expect(issues).toEqual([expect.objectContaining({ rule: "watchdog_interval", actual: 240, bound: 240 })]);
    expect(issues[0]?.message).toContain("720 / 3 = 240 s");
    expect(checkCalibration({ ...DEFAULTS, watchdogInterval: 239.9 })).toEqual([]);
  });

  it("requires shutdownTimeout >= waitTimeSeconds, and skips the rule without a shutdownTimeout", () => {
    expect(checkCalibration({ ...DEFAULTS, shutdownTimeout: 20 })).toEqual([]);
    const issues = checkCalibration({ ...DEFAULTS, shutdownTimeout: 19 });
    expect(issues).toEqual([expect.objectContaining({ rule: "shutdown_timeout", actual: 19, bound: 20 })]);
    const { shutdownTimeout: _, ...withoutShutdown } = DEFAULTS;
    expect(checkCalibration({ ...withoutShutdown, waitTimeSeconds: 20 })).toEqual([]);
  });

  it("without a watchdog, checks only that visibility outlasts processing", () => {
    const off = { ...DEFAULTS, watchdogThreshold: null, watchdogInterval: 9999 };
    expect(checkCalibration(off)).toEqual([]);
    const issues = checkCalibration({ ...off, visibilityTimeout: 600 });
    expect(issues).toEqual([
      expect.objectContaining({ rule: "visibility_timeout", actual: 600, bound: 600 }),
    ]);
  });

  it("lists every broken rule in order", () => {
    const issues = checkCalibration({
      visibilityTimeout: 60,
      watchdogThreshold: 30,
      watchdogInterval: 30,
      waitTimeSeconds: 20,
      maxProcessingSeconds: 120,
      shutdownTimeout: 5,
    });
    expect(issues.map((i) => i.rule)).toEqual([
      "visibility_timeout",
      "watchdog_threshold",
      "watchdog_interval",
      "shutdown_timeout",
    ]);
  });

  it("rejects negative or non-finite seconds", () => {
    expect(() => checkCalibration({ ...DEFAULTS, maxProcessingSeconds: -1 })).toThrow(/maxProcessingSeconds/);
    expect(() => checkCalibration({ ...DEFAULTS, watchdogThreshold: Number.NaN })).toThrow(
      /watchdogThreshold/,
    );
    expect(() => checkCalibration({ ...DEFAULTS, shutdownTimeout: Number.POSITIVE_INFINITY })).toThrow(
      /shutdownTimeout/,
    );
  });
});

describe("formatCalibrationIssue (the one wording)", () => {
  it("names the settings as the reader edits them, in every rule", () => {
    const input = { ...DEFAULTS, visibilityTimeout: 900, shutdownTimeout: 10 };
    const issues = checkCalibration(input);
    expect(issues.map((i) => i.setting)).toEqual(["visibilityTimeout", "shutdownTimeout"]);
    const shout = (setting: string) => setting.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
    expect(issues.map((i) => formatCalibrationIssue(i, input, shout))).toEqual([
      "VISIBILITY_TIMEOUT (900 s) must be greater than WATCHDOG_THRESHOLD + MAX_PROCESSING_SECONDS (720 + 600 = 1320 s), " +
        "or a message is redelivered while a stalled worker still holds it. Raise VISIBILITY_TIMEOUT or lower WATCHDOG_THRESHOLD.",
      "SHUTDOWN_TIMEOUT (10 s) must be at least WAIT_TIME_SECONDS (20 s): a worker's last long poll (kept open on SQS " +
        "so no message is hidden in it) must end within the shutdown wait. Raise SHUTDOWN_TIMEOUT or shorten WAIT_TIME_SECONDS.",
    ]);
    // By default, the settings' own names: checkCalibration's message.
    expect(issues[0]?.message).toBe(formatCalibrationIssue(issues[0] as (typeof issues)[0], input));
  });

  it("without a watchdog, relates the visibility timeout to processing time alone", () => {
    const input = { ...DEFAULTS, watchdogThreshold: null, visibilityTimeout: 600 };
    expect(checkCalibration(input).map((i) => i.message)).toEqual([
      "visibilityTimeout (600 s) must be greater than maxProcessingSeconds (600 s), or messages are redelivered " +
        "while still being processed. Raise visibilityTimeout.",
    ]);
  });
});
