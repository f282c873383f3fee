import { beforeEach, describe, expect, it, vi } from "vitest";

interface Entry {
  level: string;
  event: string;
  context: Record<string, unknown>;
}

const entries: Entry[] = [];

// The session's logger is replaced by a recorder, so these tests hold whatever the logging backend is.
vi.mock("../../src/logging/index.js", () => {
  const record =
    (level: string) =>
    (event: string, _message: string, context: Record<string, unknown> = {}): void => {
      entries.push({ level, event, context });
    };
  const getLogger = (name: string) => ({
    name,
    trace: record("trace"),
    debug: record("debug"),
    info: record("info"),
    warning: record("warning"),
    error: record("error"),
    critical: record("critical"),
    bind: () => getLogger(name),
    isEnabled: () => true,
  });
  return { getLogger };
});

const { Session, op } = await import("../../src/session/index.js");
const { AddStep, Note, Plan } = await import("./fixtures.js");

function events(level?: string): string[] {
  return entries.filter((e) => level === undefined || e.level === level).map((e) => e.event);
}

describe("session log events", () => {
  beforeEach(() => {
    entries.length = 0;
  });

  it("a dispatch logs session.dispatch and session.reducer_applied at debug level with the session id", () => {
    const session = new Session({ sessionId: "s1" });
    session.dispatch(Note.create({ text: "a" }));
    expect(events("debug")).toEqual(["session.dispatch", "session.reducer_applied"]);
    expect(entries[1]?.context).toMatchObject({
      sessionId: "s1",
      reducer: "appendAll",
      sliceType: "Note",
      size: 1,
    });
  });

  it("a failing reducer logs session_reducer_failed at error level naming the reducer", () => {
    const session = new Session();
    session.slice(Plan).register(AddStep, function broken() {
      throw new Error("boom");
    });
    session.dispatch(AddStep.create({ step: "x" }));
    const failure = entries.find((e) => e.event === "session_reducer_failed");
    expect(failure?.level).toBe("error");
    expect(failure?.context).toMatchObject({ reducer: "broken", eventType: "AddStep", sliceType: "Plan" });
  });

  it("restore and reset are logged", () => {
    const session = new Session();
    session.dispatch(Note.create({ text: "a" }));
    session.restore(session.snapshot());
    session.reset();
    expect(events()).toContain("session.restore");
    expect(events()).toContain("session.reset");
  });

  it("registration, install, seed and clear are logged", () => {
    const session = new Session();
    session.install(Plan);
    session.slice(Plan).register(AddStep, () => op.extend([]));
    session.slice(Note).seed([{ text: "a" }]);
    session.slice(Note).clear();
    expect(events()).toEqual(
      expect.arrayContaining([
        "session.install",
        "session.register_reducer",
        "session.initialize_slice",
        "session.clear_slice",
      ]),
    );
  });

  it("a rolled-back transaction is logged", async () => {
    const session = new Session();
    await session.transaction(() => Promise.reject(new Error("x"))).catch(() => undefined);
    expect(events("debug")).toContain("session.transaction_rolled_back");
  });
});
