import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineType } from "../../src/data-type.js";
import { PromptValidationError, WinkError } from "../../src/errors.js";
import { InMemoryFilesystem } from "../../src/filesystem/index.js";
import {
  CompositeChecker,
  FileExistsChecker,
  MarkdownSection,
  Prompt,
  PromptTemplate,
  SessionPredicateChecker,
  StaticFeedback,
  type TaskCompletionChecker,
  type TaskCompletionContext,
  TaskCompletionResult,
} from "../../src/prompt/index.js";
import { Session } from "../../src/session/index.js";

function context(fields: Partial<TaskCompletionContext> = {}): TaskCompletionContext {
  return {
    session: new Session(),
    output: undefined,
    text: undefined,
    filesystem: undefined,
    adapter: "test",
    prompt: "tests/report",
    ...fields,
  };
}

const pass: TaskCompletionChecker = { check: () => TaskCompletionResult.ok() };
const fail = (feedback: string): TaskCompletionChecker => ({
  check: () => TaskCompletionResult.incomplete(feedback),
});

describe("TaskCompletionResult", () => {
  it("ok() is complete without feedback; incomplete() carries the feedback", () => {
    expect(TaskCompletionResult.ok()).toEqual({ complete: true });
    expect(TaskCompletionResult.incomplete("write the tests")).toEqual({
      complete: false,
      feedback: "write the tests",
    });
  });
});

describe("FileExistsChecker", () => {
  it("is complete when every file exists", async () => {
    const filesystem = new InMemoryFilesystem({ "report.md": "# R", "out/data.json": "{}" });
    const checker = new FileExistsChecker({ files: ["report.md", "./out/data.json"] });
    expect(await checker.check(context({ filesystem }))).toEqual({ complete: true });
  });

  it("lists every missing file", async () => {
    const filesystem = new InMemoryFilesystem({ "report.md": "# R" });
    const checker = new FileExistsChecker({ files: ["report.md", "a.txt", "b.txt"] });
    expect(await checker.check(context({ filesystem }))).toEqual({
      complete: false,
      feedback: "missing required files: a.txt, b.txt",
    });
  });

  it("names the file and the parser's error when a file does not parse", async () => {
    const filesystem = new InMemoryFilesystem({ "data.json": "{ not json" });
    const checker = new FileExistsChecker({ files: [{ path: "data.json", parse: JSON.parse }] });
    const result = await checker.check(context({ filesystem }));
    expect(result.complete).toBe(false);
    expect(result.feedback).toMatch(/^data\.json does not parse \(.+\)$/);
  });

  it("accepts a file whose content parses", async () => {
    const filesystem = new InMemoryFilesystem({ "data.json": '{"ok":true}' });
    const checker = new FileExistsChecker({ files: [{ path: "data.json", parse: JSON.parse }] });
    expect((await checker.check(context({ filesystem }))).complete).toBe(true);
  });

  it("throws, naming the prompt and FilesystemKey, when no filesystem is bound", async () => {
    const checker = new FileExistsChecker({ files: ["report.md"] });
    const error = await Promise.resolve(checker.check(context())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WinkError);
    expect((error as WinkError).code).toBe("resource_unbound");
    expect((error as Error).message).toMatch(/prompt "tests\/report".*FilesystemKey/);
  });

  it("rejects an empty file list and paths that leave the workspace", () => {
    expect(() => new FileExistsChecker({ files: [] })).toThrow(/at least one file/);
    expect(() => new FileExistsChecker({ files: ["../secret"] })).toThrow(/leaves the workspace/);
  });
});

describe("SessionPredicateChecker", () => {
  const Step = defineType("CompletionTestStep", z.object({ title: z.string(), done: z.boolean() }));
  const checker = new SessionPredicateChecker({
    predicate: (session) => !session.slice(Step).exists((s) => !s.done),
    feedback: (session) =>
      `these steps are not done: ${session
        .slice(Step)
        .where((s) => !s.done)
        .map((s) => s.title)
        .join(", ")}`,
  });

  it("is complete when the predicate holds", () => {
    const session = new Session();
    session.dispatch(Step.create({ title: "build", done: true }));
    expect(checker.check(context({ session }))).toEqual({ complete: true });
  });

  it("returns the feedback built from the session when it does not", () => {
    const session = new Session();
    session.dispatch(Step.create({ title: "build", done: true }));
    session.dispatch(Step.create({ title: "test", done: false }));
    expect(checker.check(context({ session }))).toEqual({
      complete: false,
      feedback: "these steps are not done: test",
    });
  });

  it("takes a fixed feedback string", () => {
    const fixed = new SessionPredicateChecker({ predicate: () => false, feedback: "not yet" });
    expect(fixed.check(context()).feedback).toBe("not yet");
  });
});

describe("CompositeChecker", () => {
  it("all: complete only when every checker is, listing every failure", async () => {
    expect(await CompositeChecker.all(pass, pass).check(context())).toEqual({ complete: true });
    expect(await CompositeChecker.all(fail("no report"), pass, fail("no tests")).check(context())).toEqual({
      complete: false,
      feedback: "no report; no tests",
    });
  });

  it("any: complete when one checker is, else lists the alternatives", async () => {
    expect(await CompositeChecker.any(fail("no report"), pass).check(context())).toEqual({ complete: true });
    expect(
      await new CompositeChecker({ checkers: [fail("a"), fail("b")], mode: "any" }).check(context()),
    ).toEqual({
      complete: false,
      feedback: "do one of these: a; or b",
    });
  });

  it("defaults to all and rejects an empty list", () => {
    expect(new CompositeChecker({ checkers: [pass] }).mode).toBe("all");
    expect(() => new CompositeChecker({ checkers: [] })).toThrow(/at least one checker/);
  });
});

describe("the taskCompletion template option", () => {
  const sections = [new MarkdownSection({ key: "task", title: "Task", template: "Work." })];

  it("takes a checker alone, with the default limit of 3 continuations", () => {
    const template = new PromptTemplate({ ns: "tests", key: "t", sections, taskCompletion: pass });
    expect(template.taskCompletion).toEqual({ checker: pass, maxContinuations: 3 });
  });

  it("takes a checker with its limit, and hands both to adapters through the rendered prompt", () => {
    const template = new PromptTemplate({
      ns: "tests",
      key: "t",
      sections,
      taskCompletion: { checker: pass, maxContinuations: 0 },
      feedback: [{ provider: new StaticFeedback({ summary: "hi" }), trigger: { everyCalls: 1 } }],
    });
    const rendered = new Prompt(template).render();
    expect(rendered.taskCompletion).toEqual({ checker: pass, maxContinuations: 0 });
    expect(rendered.feedback).toHaveLength(1);
  });

  it("is absent by default", () => {
    const rendered = new Prompt(new PromptTemplate({ ns: "tests", key: "t", sections })).render();
    expect(rendered.taskCompletion).toBeUndefined();
    expect(rendered.feedback).toEqual([]);
  });

  it("rejects a bad limit or something that is not a checker, naming the prompt", () => {
    expect(
      () =>
        new PromptTemplate({
          ns: "tests",
          key: "t",
          sections,
          taskCompletion: { checker: pass, maxContinuations: -1 },
        }),
    ).toThrow(PromptValidationError);
    expect(
      () =>
        new PromptTemplate({
          ns: "tests",
          key: "t",
          sections,
          taskCompletion: { checker: pass, maxContinuations: 1.5 },
        }),
    ).toThrow(/"tests\/t" taskCompletion.maxContinuations must be an integer >= 0, got 1.5/);
    expect(
      () =>
        new PromptTemplate({
          ns: "tests",
          key: "t",
          sections,
          taskCompletion: { checker: {} as TaskCompletionChecker },
        }),
    ).toThrow(/needs a checker with a check\(context\) method/);
  });
});
