import { describe, expect, it } from "vitest";
import { z } from "zod";
import { FakeClock } from "../../src/clock.js";
import { defineType } from "../../src/data-type.js";
import { SnapshotRestoreError, SnapshotSerializationError } from "../../src/errors.js";
import { ToolInvoked } from "../../src/events/index.js";
import {
  Session,
  SNAPSHOT_VERSION,
  Snapshot,
  snapshotsFromJsonl,
  snapshotsToJsonl,
  upsertBy,
} from "../../src/session/index.js";
import { Note, Plan, Task, toolInvoked } from "./fixtures.js";

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

function sessionWithStateAndLog(): Session {
  const session = new Session();
  session.dispatch(Note.create({ text: "a" }));
  session.dispatch(toolInvoked({}));
  return session;
}

describe("Session.snapshot", () => {
  it("captures STATE slices only by default", () => {
    const snapshot = sessionWithStateAndLog().snapshot();
    expect(snapshot.slices.map((s) => s.type)).toEqual(["Note"]);
    expect(snapshot.policies).toEqual(["state"]);
  });

  it("captures LOG slices too with includeLogs", () => {
    const snapshot = sessionWithStateAndLog().snapshot({ includeLogs: true });
    expect(snapshot.slices.map((s) => [s.type, s.policy])).toEqual([
      ["Note", "state"],
      ["ToolInvoked", "log"],
    ]);
  });

  it("records the session's identity, tags and the clock's time", () => {
    const clock = new FakeClock({ start: new Date("2026-01-02T03:04:05.000Z") });
    const parent = new Session({ sessionId: "parent" });
    const session = new Session({ parent, sessionId: "me", tags: { k: "v" }, clock });
    new Session({ parent: session, sessionId: "kid" });
    const snapshot = session.snapshot();
    expect(snapshot).toMatchObject({
      version: SNAPSHOT_VERSION,
      createdAt: "2026-01-02T03:04:05.000Z",
      sessionId: "me",
      parentId: "parent",
      childrenIds: ["kid"],
      tags: { k: "v" },
    });
    expect(Object.isFrozen(snapshot)).toBe(true);
  });

  it("shares the session's frozen slice values instead of copying them", () => {
    const session = new Session();
    const note = Note.create({ text: "a" });
    session.dispatch(note);
    expect(session.snapshot().itemsOf(Note)).toBe(session.slice(Note).all());
    expect(session.snapshot().itemsOf("Note")?.[0]).toBe(note);
    expect(session.snapshot().itemsOf(Plan)).toBeUndefined();
  });
});

describe("Session.restore (in memory)", () => {
  it("puts back exactly the captured values (the same frozen objects)", () => {
    const session = new Session();
    session.dispatch(Note.create({ text: "a" }));
    const snapshot = session.snapshot();
    const before = session.slice(Note).all();
    session.dispatch(Note.create({ text: "b" }));
    session.restore(snapshot);
    expect(session.slice(Note).all()).toBe(before);
  });

  it("empties STATE slices that did not exist when the snapshot was taken", () => {
    const session = new Session();
    const snapshot = session.snapshot();
    session.dispatch(Task.create({ id: "a", done: false }));
    session.restore(snapshot);
    expect(session.slice(Task).all()).toEqual([]);
  });

  it("keeps LOG slices by default, so a rollback keeps history", () => {
    const session = new Session();
    const snapshot = session.snapshot({ includeLogs: true });
    session.dispatch(toolInvoked({}));
    session.restore(snapshot);
    expect(session.slice(ToolInvoked).all()).toHaveLength(1);
  });

  it("restores LOG slices when preserveLogs is false and the snapshot includes logs", () => {
    const session = new Session();
    session.dispatch(toolInvoked({}));
    const snapshot = session.snapshot({ includeLogs: true });
    session.dispatch(toolInvoked({}));
    session.restore(snapshot, { preserveLogs: false });
    expect(session.slice(ToolInvoked).all()).toHaveLength(1);
  });

  it("leaves LOG slices alone when the snapshot did not capture them, even with preserveLogs false", () => {
    const session = new Session();
    const snapshot = session.snapshot();
    session.dispatch(toolInvoked({}));
    session.restore(snapshot, { preserveLogs: false });
    expect(session.slice(ToolInvoked).all()).toHaveLength(1);
  });

  it("an unknown slice type raises SnapshotRestoreError naming it and the fix", () => {
    const source = new Session();
    source.dispatch(Plan.create({ steps: [] }));
    const error = catchError(() => new Session({ sessionId: "fresh" }).restore(source.snapshot()));
    expect(error).toBeInstanceOf(SnapshotRestoreError);
    expect(String(error)).toMatch(
      /Snapshot slice "Plan" has no data type in session fresh\. Install it .* or pass it in restore\(snapshot, \{ types: \[Plan\] \}\)/,
    );
  });

  it("restores into a fresh session when the types are passed, and then knows them", () => {
    const source = new Session();
    source.dispatch(Plan.create({ steps: ["a"] }));
    const fresh = new Session();
    fresh.restore(source.snapshot(), { types: [Plan] });
    expect(fresh.slice(Plan).all()).toBe(source.slice(Plan).all());
    fresh.restore(source.snapshot());
  });
});

describe("Snapshot serialization", () => {
  it("serialize writes one JSON line that JSON.stringify also produces", () => {
    const snapshot = sessionWithStateAndLog().snapshot();
    const line = snapshot.serialize();
    expect(line).not.toContain("\n");
    expect(line).toBe(JSON.stringify(snapshot));
  });

  it("toJSON has the version, ISO createdAt, ids, tags, policies and slices", () => {
    const session = new Session({ sessionId: "s", tags: { a: "b" }, clock: new FakeClock() });
    session.dispatch(Note.create({ text: "x" }));
    expect(session.snapshot().toJSON()).toEqual({
      version: "1",
      createdAt: "2025-01-01T00:00:00.000Z",
      sessionId: "s",
      parentId: null,
      childrenIds: [],
      tags: { a: "b" },
      policies: ["state"],
      slices: [{ type: "Note", policy: "state", items: [{ text: "x" }] }],
    });
  });

  it("Snapshot.parse reads back what serialize wrote, with frozen plain items", () => {
    const session = new Session({ sessionId: "s" });
    session.dispatch(Note.create({ text: "x" }));
    const snapshot = session.snapshot();
    const parsed = Snapshot.parse(snapshot.serialize());
    expect(parsed.toJSON()).toEqual(snapshot.toJSON());
    expect(parsed.slices[0]?.dataType).toBeUndefined();
    expect(Object.isFrozen(parsed.slices[0]?.items[0])).toBe(true);
  });

  it("restoring a parsed snapshot validates items through the data type", () => {
    const session = new Session();
    session.dispatch(Note.create({ text: "x" }));
    const fresh = new Session();
    fresh.restore(Snapshot.parse(session.snapshot().serialize()), { types: [Note] });
    const [note] = fresh.slice(Note).all();
    expect(Note.is(note)).toBe(true);
    expect(note).toEqual({ text: "x" });
  });

  it("an invalid item names the slice and index, and nothing is restored", () => {
    const line = JSON.stringify({
      ...new Session({ sessionId: "s" }).snapshot().toJSON(),
      slices: [
        { type: "Note", policy: "state", items: [{ text: "ok" }] },
        {
          type: "Task",
          policy: "state",
          items: [
            { id: "a", done: true },
            { id: "b", done: "yes" },
          ],
        },
      ],
    });
    const target = new Session();
    target.dispatch(Note.create({ text: "keep" }));
    const error = catchError(() => target.restore(Snapshot.parse(line), { types: [Note, Task] }));
    expect(error).toBeInstanceOf(SnapshotRestoreError);
    expect(String(error)).toMatch(/Snapshot slice "Task" item \[1\] is not a valid Task: .*done/s);
    expect(
      target
        .slice(Note)
        .all()
        .map((n) => n.text),
    ).toEqual(["keep"]);
  });

  it("malformed JSON raises SnapshotSerializationError naming the line", () => {
    const error = catchError(() => Snapshot.parse("{not json"));
    expect(error).toBeInstanceOf(SnapshotSerializationError);
    expect(String(error)).toMatch(/Snapshot line 1 is not valid JSON/);
  });

  it("an unsupported version is rejected with the version it found", () => {
    expect(() => Snapshot.parse(JSON.stringify({ version: "9" }))).toThrow(
      /Snapshot line 1 has version "9"; this build reads version "1"/,
    );
    expect(() => Snapshot.parse("[]")).toThrow(/has version undefined/);
  });

  it("a wrong shape names the failing field", () => {
    const json = {
      ...new Session().snapshot().toJSON(),
      slices: [{ type: "Note", policy: "forever", items: [] }],
    };
    expect(() => Snapshot.parse(JSON.stringify(json))).toThrow(
      /Snapshot line 1 is not a valid snapshot:\n.*slices\[0\]\.policy/,
    );
  });

  it("a slice listed twice is rejected", () => {
    const slice = { type: "Note", policy: "state", items: [] };
    const json = { ...new Session().snapshot().toJSON(), slices: [slice, slice] };
    expect(() => Snapshot.parse(JSON.stringify(json))).toThrow(/holds the slice "Note" twice/);
  });

  it("a value JSON cannot represent names its slice and index", () => {
    const Big = defineType("Big", z.object({ n: z.bigint() }));
    const session = new Session({ sessionId: "s" });
    session.dispatch(Note.create({ text: "fine" }));
    session.dispatch(Big.create({ n: 1n }));
    const error = catchError(() => session.snapshot().serialize());
    expect(error).toBeInstanceOf(SnapshotSerializationError);
    expect(String(error)).toMatch(
      /Snapshot of session s cannot be serialized: slice "Big" item \[0\]: .*BigInt/,
    );
  });

  it("unserializable metadata is reported as such", () => {
    const snapshot = new Snapshot({
      createdAt: "2025-01-01T00:00:00.000Z",
      sessionId: "s",
      tags: { k: 1n as unknown as string },
      slices: [],
    });
    expect(() => snapshot.serialize()).toThrow(/the snapshot metadata/);
  });
});

describe("JSONL", () => {
  it("writes one snapshot per line and reads them back in order", () => {
    const a = new Session({ sessionId: "a" });
    const b = new Session({ sessionId: "b" });
    b.dispatch(Note.create({ text: "x" }));
    const text = snapshotsToJsonl([a.snapshot(), b.snapshot()]);
    expect(text.split("\n")).toHaveLength(3);
    expect(text.endsWith("\n")).toBe(true);
    const back = snapshotsFromJsonl(text);
    expect(back.map((s) => s.sessionId)).toEqual(["a", "b"]);
    expect(back[1]?.itemsOf("Note")).toEqual([{ text: "x" }]);
  });

  it("skips blank lines and accepts CRLF", () => {
    const line = new Session({ sessionId: "a" }).snapshot().serialize();
    expect(snapshotsFromJsonl(`\r\n${line}\r\n\r\n${line}`)).toHaveLength(2);
    expect(snapshotsToJsonl([])).toBe("");
  });

  it("a bad line raises SnapshotSerializationError naming its line number", () => {
    const line = new Session().snapshot().serialize();
    expect(() => snapshotsFromJsonl(`${line}\n${line}\n{oops\n`)).toThrow(
      /Snapshot line 3 is not valid JSON/,
    );
  });
});

describe("policies survive a round trip", () => {
  it("a LOG slice restored from JSON into a fresh session keeps the log policy", () => {
    const session = new Session();
    session.install(Note, { policy: "log" });
    session.dispatch(Note.create({ text: "x" }));
    const fresh = new Session();
    fresh.restore(Snapshot.parse(session.snapshot({ includeLogs: true }).serialize()), {
      types: [Note],
      preserveLogs: false,
    });
    expect(fresh.slice(Note).policy).toBe("log");
    expect(fresh.slice(Note).all()).toEqual([{ text: "x" }]);
  });

  it("a slice keyed by upsertBy keeps working after a restore from JSON", () => {
    const session = new Session();
    session.slice(Task).register(
      Task,
      upsertBy((t) => t.id),
    );
    const line = (() => {
      const source = new Session();
      source.dispatch(Task.create({ id: "a", done: false }));
      return source.snapshot().serialize();
    })();
    session.restore(Snapshot.parse(line));
    session.dispatch(Task.create({ id: "a", done: true }));
    expect(session.slice(Task).all()).toEqual([{ id: "a", done: true }]);
  });
});
