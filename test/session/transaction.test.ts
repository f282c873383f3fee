import { describe, expect, it } from "vitest";
import { TransactionError } from "../../src/errors.js";
import { ToolInvoked } from "../../src/events/index.js";
import { Session, type Snapshot, withTransaction } from "../../src/session/index.js";
import { Note, toolInvoked } from "./fixtures.js";

describe("withTransaction", () => {
  it("returns the function's result and keeps its changes when it succeeds", async () => {
    const session = new Session();
    const result = await withTransaction(session, async () => {
      session.dispatch(Note.create({ text: "kept" }));
      return 42;
    });
    expect(result).toBe(42);
    expect(
      session
        .slice(Note)
        .all()
        .map((n) => n.text),
    ).toEqual(["kept"]);
  });

  it("rolls STATE slices back and rethrows the same error when the function throws", async () => {
    const session = new Session();
    session.dispatch(Note.create({ text: "before" }));
    const failure = new Error("tool failed");
    await expect(
      withTransaction(session, () => {
        session.dispatch(Note.create({ text: "during" }));
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(
      session
        .slice(Note)
        .all()
        .map((n) => n.text),
    ).toEqual(["before"]);
  });

  it("rolls back when the returned promise rejects", async () => {
    const session = new Session();
    await expect(
      withTransaction(session, async () => {
        session.dispatch(Note.create({ text: "during" }));
        await Promise.resolve();
        throw new Error("later");
      }),
    ).rejects.toThrow("later");
    expect(session.slice(Note).all()).toEqual([]);
  });

  it("keeps LOG slices written inside a failed transaction", async () => {
    const session = new Session();
    await expect(
      session.transaction(() => {
        session.dispatch(toolInvoked({ value: Note.create({ text: "from tool" }) }));
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(session.slice(ToolInvoked).all()).toHaveLength(1);
    expect(session.slice(Note).all()).toEqual([]);
  });

  it("a failed rollback raises TransactionError keeping both errors", async () => {
    const session = new Session({ sessionId: "s" });
    const restoreFailure = new Error("disk gone");
    const original = new Error("tool failed");
    const target = {
      snapshot: (): Snapshot => session.snapshot(),
      restore: (): void => {
        throw restoreFailure;
      },
    };
    const error = await withTransaction(target, () => {
      throw original;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionError);
    expect((error as TransactionError).cause).toBe(restoreFailure);
    expect((error as TransactionError).details.error).toBe(original);
    expect(String(error)).toMatch(
      /Rolling back session s failed \(Error: disk gone\) after the transaction threw: Error: tool failed/,
    );
  });
});
