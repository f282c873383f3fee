/** collectLogs: a request's own records, at its own level, bounded, redacted. */
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/clock.js";
import { collectLogs, getLogger, resetLogging } from "../../src/logging/index.js";
import { registerSecret } from "../../src/secrets/index.js";

afterEach(() => resetLogging());

describe("collectLogs", () => {
  it("keeps only records bound to its value, from its level up, with times from its clock", () => {
    const clock = new FakeClock();
    const capture = collectLogs({ field: "runId", value: "run-1", level: "info", clock });
    const mine = getLogger("test.collect").bind({ runId: "run-1" });
    const theirs = getLogger("test.collect").bind({ runId: "run-2" });
    mine.debug("step.debug", "Too low.");
    mine.info("step.info", "Kept.", { n: 1 });
    theirs.error("step.other", "Another request.");
    getLogger("test.collect").error("step.unbound", "No run id.");
    capture.stop();
    mine.error("step.after", "After stop.");
    expect(capture.records).toEqual([
      {
        time: clock.now().toISOString(),
        level: "info",
        logger: "test.collect",
        event: "step.info",
        message: "Kept.",
        context: { runId: "run-1", n: 1 },
      },
    ]);
  });

  it("counts records past maxRecords instead of keeping them", () => {
    const capture = collectLogs({ field: "runId", value: "run-x", maxRecords: 2 });
    const log = getLogger("test.collect").bind({ runId: "run-x" });
    for (let i = 0; i < 5; i++) log.debug("step.loop", `Step ${i}.`);
    capture.stop();
    expect(capture.records.map((r) => r.message)).toEqual(["Step 0.", "Step 1."]);
    expect(capture.dropped).toBe(3);
  });

  it("redacts secrets in messages and context", () => {
    registerSecret("sk-collect-secret-0123456789");
    const capture = collectLogs({ field: "runId", value: "run-s" });
    getLogger("test.collect")
      .bind({ runId: "run-s" })
      .error("step.leak", "Key sk-collect-secret-0123456789 failed.", {
        key: "sk-collect-secret-0123456789",
      });
    capture.stop();
    expect(JSON.stringify(capture.records)).not.toContain("sk-collect-secret-0123456789");
  });
});
