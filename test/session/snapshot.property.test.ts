import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DataType } from "../../src/data-type.js";
import { ToolInvoked } from "../../src/events/index.js";
import { on, op, Session, Snapshot, upsertBy } from "../../src/session/index.js";
import { AddStep, Note, Plan, Task, toolInvoked } from "./fixtures.js";

/** One thing a test session can be asked to do. */
type Command =
  | { kind: "task"; id: string; done: boolean }
  | { kind: "note"; text: string }
  | { kind: "step"; step: string }
  | { kind: "tool"; note: string | undefined }
  | { kind: "clearNotes" }
  | { kind: "seedNotes"; texts: string[] };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant("task" as const), id: fc.constantFrom("a", "b", "c"), done: fc.boolean() }),
  fc.record({ kind: fc.constant("note" as const), text: fc.string() }),
  fc.record({ kind: fc.constant("step" as const), step: fc.string() }),
  fc.record({ kind: fc.constant("tool" as const), note: fc.option(fc.string(), { nil: undefined }) }),
  fc.constant({ kind: "clearNotes" as const }),
  fc.record({ kind: fc.constant("seedNotes" as const), texts: fc.array(fc.string(), { maxLength: 3 }) }),
);

const STATE_TYPES: readonly DataType[] = [Task, Note, Plan];

function newSession(): Session {
  const session = new Session();
  session.slice(Task).register(
    Task,
    upsertBy((t) => t.id),
  );
  session.install(Plan, {
    reducers: [on(AddStep, (view, e) => op.replace([{ steps: [...(view.latest()?.steps ?? []), e.step] }]))],
  });
  return session;
}

function run(session: Session, commands: readonly Command[]): void {
  for (const c of commands) {
    if (c.kind === "task") session.dispatch(Task.create({ id: c.id, done: c.done }));
    else if (c.kind === "note") session.dispatch(Note.create({ text: c.text }));
    else if (c.kind === "step") session.dispatch(AddStep.create({ step: c.step }));
    else if (c.kind === "tool")
      session.dispatch(
        toolInvoked({
          message: "ok",
          value: c.note === undefined ? undefined : Note.create({ text: c.note }),
        }),
      );
    else if (c.kind === "clearNotes") session.slice(Note).clear();
    else session.slice(Note).seed(c.texts.map((text) => ({ text })));
  }
}

const commandsArb = fc.array(commandArb, { maxLength: 25 });

describe("snapshot/restore properties", () => {
  it("restoring a snapshot after more dispatches brings back exactly the captured STATE and keeps the LOG", () => {
    fc.assert(
      fc.property(commandsArb, commandsArb, (before, after) => {
        const session = newSession();
        run(session, before);
        const snapshot = session.snapshot();
        const captured = STATE_TYPES.map((type) => session.slice(type).all());
        run(session, after);
        const log = session.slice(ToolInvoked).all();
        session.restore(snapshot);
        STATE_TYPES.forEach((type, i) => {
          const current = session.slice(type).all();
          // Exactly the captured frozen array, or an empty one for slices created afterwards.
          if ((captured[i] ?? []).length > 0) expect(current).toBe(captured[i]);
          else expect(current).toEqual([]);
        });
        expect(session.slice(ToolInvoked).all()).toBe(log);
      }),
    );
  });

  it("serialize -> parse -> restore into a fresh session gives deep-equal state and logs", () => {
    fc.assert(
      fc.property(commandsArb, (commands) => {
        const session = newSession();
        run(session, commands);
        const line = session.snapshot({ includeLogs: true }).serialize();
        const fresh = new Session();
        fresh.restore(Snapshot.parse(line), { types: [Task, Note, Plan, ToolInvoked], preserveLogs: false });
        for (const type of [...STATE_TYPES, ToolInvoked]) {
          expect(fresh.slice(type).all()).toEqual(session.slice(type).all());
        }
        expect(fresh.slice(ToolInvoked).policy).toBe("log");
        expect(fresh.snapshot({ includeLogs: true }).toJSON().slices).toEqual(
          session.snapshot({ includeLogs: true }).toJSON().slices,
        );
      }),
    );
  });

  it("a transaction that throws leaves STATE as it was before, whatever ran inside", async () => {
    await fc.assert(
      fc.asyncProperty(commandsArb, commandsArb, async (before, inside) => {
        const session = newSession();
        run(session, before);
        const expected = session.snapshot().toJSON().slices;
        await expect(
          session.transaction(() => {
            run(session, inside);
            throw new Error("abort");
          }),
        ).rejects.toThrow("abort");
        const restored = session
          .snapshot()
          .toJSON()
          .slices.filter((s) => s.items.length > 0);
        expect(restored).toEqual(expected.filter((s) => s.items.length > 0));
      }),
    );
  });
});
