/**
 * Collects the process warnings (`MaxListenersExceededWarning`, deprecations, experimental
 * features…) emitted while tests run, so the setup file can fail the test that caused them. A
 * warning in a test run is a defect found early: in a worker that runs for weeks, an abort
 * listener added per request is a leak long before it is an outage.
 */

/** Decides whether a warning is expected (a test that checks a warning is emitted, say). */
export type WarningFilter = (warning: Error) => boolean;

/** The warnings seen since the last {@link WarningRecorder.take}. */
export class WarningRecorder {
  private seen: Error[] = [];
  private allowed: WarningFilter[] = [];

  /** Record `warning` unless a filter allows it. Bound, so it can be a `process` listener. */
  readonly record = (warning: Error): void => {
    if (this.allowed.some((allow) => allow(warning))) return;
    this.seen.push(warning);
  };

  /** Let warnings matching `filter` pass until {@link WarningRecorder.reset}. */
  allow(filter: WarningFilter): void {
    this.allowed.push(filter);
  }

  /** Drop the allowances (after each test). */
  reset(): void {
    this.allowed = [];
  }

  /** The recorded warnings, emptying the record. */
  take(): Error[] {
    const seen = this.seen;
    this.seen = [];
    return seen;
  }
}

/** A failure naming each warning, with its stack (which shows who emitted it). */
export function warningFailure(warnings: readonly Error[], when: string): Error {
  const lines = warnings.map(
    (w, i) => `${i + 1}. ${w.name}: ${w.message}\n${indent(w.stack ?? "(no stack)")}`,
  );
  return new Error(
    `${warnings.length} process warning(s) ${when}; a warning is a defect here (a leak, a deprecated ` +
      "API, an unhandled case). Fix its cause, or, in a test that expects it, call allowProcessWarning() " +
      `from test/setup/process-warnings.ts.\n${lines.join("\n")}`,
  );
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}
