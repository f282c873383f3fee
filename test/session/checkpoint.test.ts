/**
 * `session.checkpoint()` / `rollback()`: the tool executor's cheap rollback point, which must put
 * a session back exactly as `restore(session.snapshot())` does.
 */

import { describe, expect, it } from "vitest";
import { ToolInvoked } from "../../src/events/index.js";
import { Session } from "../../src/session/index.js";
import { Note, Plan, Task, toolInvoked } from "./fixtures.js";

/** Every slice's values, by type name, for comparing two sessions. */
function contents(session: Session): Record<string, unknown> {
  const snapshot = session.snapshot({ includeLogs: true });
  return Object.fromEntries(snapshot.slices.map((slice) => [slice.type, slice.items]));
}

/** A session with STATE and LOG slices, and one changed after `mark` in the same ways. */
function scenario(mark: (session: Session) => () => void): Session {
  const session = new Session();
  session.slice(Note).seed([{ text: "kept" }]);
  session.install(Plan, { policy: "state" });
  session.dispatch(toolInvoked("before"));
  const back = mark(session);
  session.slice(Note).append({ text: "dropped" });
  session.slice(Plan).seed([{ steps: ["new"] }]);
  session.slice(Task).seed([{ id: "t", done: false }]); // a slice made after the mark
  session.dispatch(toolInvoked("after")); // LOG: stays
  back();
  return session;
}

describe("Session.checkpoint", () => {
  it("rolls back exactly as restoring a snapshot does: state back, new slices empty, logs kept", () => {
    const viaCheckpoint = scenario((session) => {
      const checkpoint = session.checkpoint();
      return () => session.rollback(checkpoint);
    });
    const viaSnapshot = scenario((session) => {
      const snapshot = session.snapshot();
      return () => session.restore(snapshot);
    });
    expect(contents(viaCheckpoint)).toEqual(contents(viaSnapshot));
    expect(viaCheckpoint.slice(Note).all()).toEqual([{ text: "kept" }]);
    expect(viaCheckpoint.slice(Task).all()).toEqual([]);
    expect(viaCheckpoint.slice(ToolInvoked).all()).toHaveLength(2);
  });

  it("keeps the very frozen values, and refuses another session's checkpoint", () => {
    const session = new Session();
    session.slice(Note).seed([{ text: "a" }]);
    const before = session.slice(Note).all();
    const checkpoint = session.checkpoint();
    session.slice(Note).append({ text: "b" });
    session.rollback(checkpoint);
    expect(session.slice(Note).all()).toBe(before);
    expect(() => new Session().rollback(checkpoint)).toThrow(/not of .*Roll a session back only to its own/);
  });
});
