/**
 * Setup file (see `vitest.config.ts`): any process warning emitted during a test fails that
 * test, and one emitted after the last test of a file fails the file.
 */
import { afterAll, afterEach } from "vitest";
import { type WarningFilter, WarningRecorder, warningFailure } from "./warning-recorder.js";

const recorder = new WarningRecorder();
process.on("warning", recorder.record);

/** Let warnings matching `filter` pass for the rest of the current test. */
export function allowProcessWarning(filter: WarningFilter): void {
  recorder.allow(filter);
}

/** Node emits a warning on the next tick; vitest may run hooks before that tick. */
function nextTick(): Promise<void> {
  // Not setImmediate: a test that left fake timers installed would make it hang.
  return new Promise((resolve) => process.nextTick(resolve));
}

afterEach(async () => {
  await nextTick();
  recorder.reset();
  const warnings = recorder.take();
  if (warnings.length > 0) throw warningFailure(warnings, "during this test");
});

afterAll(async () => {
  await nextTick();
  // Worker processes are reused across files: leave no listener behind for the next one.
  process.off("warning", recorder.record);
  const warnings = recorder.take();
  if (warnings.length > 0) throw warningFailure(warnings, "after the last test of this file");
});
