/** The settings one run of a MainLoop works with, as `main_loop.start` logs them. */
import { describe, expect, it } from "vitest";
import { runSettings } from "../../../src/runtime/main-loop/consumer.js";

describe("runSettings", () => {
  it("reports the batch a receive takes: batchSize when set, else concurrency up to 10", () => {
    expect(runSettings({ concurrency: 4 }, {}).batchSize).toBe(4);
    // A receive never takes more than 10 messages (docs/runtime.md: min(concurrency, 10)).
    expect(runSettings({ concurrency: 64 }, {}).batchSize).toBe(10);
    expect(runSettings({ concurrency: 64, batchSize: 3 }, {}).batchSize).toBe(3);
  });

  it("prefers the loop's own timings over the ones its group passes in", () => {
    const group = { visibilityTimeout: 60, waitTimeSeconds: 5 };
    expect(runSettings({}, group)).toMatchObject(group);
    expect(runSettings({ visibilityTimeout: 90, waitTimeSeconds: 0 }, group)).toMatchObject({
      visibilityTimeout: 90,
      waitTimeSeconds: 0,
    });
    expect(runSettings({}, {})).toMatchObject({
      visibilityTimeout: 300,
      waitTimeSeconds: 20,
      concurrency: 1,
    });
  });
});
