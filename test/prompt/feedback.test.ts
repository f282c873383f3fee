import { describe, expect, it } from "vitest";
import { Deadline } from "../../src/deadline.js";
import { PromptValidationError } from "../../src/errors.js";
import { PromptRendered, ToolInvoked } from "../../src/events/index.js";
import { type Filesystem, InMemoryFilesystem } from "../../src/filesystem/index.js";
import { getLogger } from "../../src/logging/index.js";
import {
  collectFeedback,
  DeadlineFeedback,
  Feedback,
  type FeedbackProvider,
  type FeedbackProviderConfig,
  type FeedbackScope,
  FileCreatedFeedback,
  formatFeedback,
  MarkdownSection,
  PromptTemplate,
  StaticFeedback,
} from "../../src/prompt/index.js";
import { Session } from "../../src/session/index.js";
import { FakeClock } from "../../src/testing/index.js";

const PROMPT = "tests/feedback";

function harness(options: { deadlineMs?: number; filesystem?: Filesystem } = {}) {
  const clock = new FakeClock();
  const session = new Session({ clock });
  const deadline = options.deadlineMs === undefined ? undefined : Deadline.after(options.deadlineMs, clock);
  session.dispatch(
    PromptRendered.create({
      eventId: "r1",
      createdAt: clock.now().toISOString(),
      adapter: "test",
      promptNs: "tests",
      promptKey: "feedback",
      promptName: PROMPT,
      renderInputs: {},
      renderedPrompt: "",
    }),
  );
  let calls = 0;
  const toolCall = (promptName = PROMPT): void => {
    calls++;
    session.dispatch(
      ToolInvoked.create({
        eventId: `t${calls}`,
        createdAt: clock.now().toISOString(),
        adapter: "test",
        promptName,
        name: "note",
        params: {},
        result: {},
        success: true,
        isError: false,
        message: "",
        renderedOutput: "",
      }),
    );
  };
  const collect = (providers: readonly FeedbackProviderConfig[], log?: FeedbackScope["log"]) =>
    collectFeedback({
      session,
      promptName: PROMPT,
      adapter: "test",
      clock,
      deadline,
      filesystem: options.filesystem,
      providers,
      ...(log ? { log } : {}),
    });
  return { clock, session, toolCall, collect };
}

const fixed = (summary: string, name = summary): StaticFeedback => new StaticFeedback({ summary, name });

describe("collectFeedback", () => {
  it("fires a provider every N tool calls, counted since its own last feedback", async () => {
    const { toolCall, collect, session } = harness();
    const providers = [{ provider: fixed("check in"), trigger: { everyCalls: 2 } }];
    toolCall();
    expect(await collect(providers)).toBeUndefined();
    toolCall();
    expect(await collect(providers)).toBe("[Feedback from check in (info)] check in");
    toolCall();
    expect(await collect(providers)).toBeUndefined();
    toolCall();
    expect(await collect(providers)).toBeDefined();
    expect(
      session
        .slice(Feedback)
        .all()
        .map((f) => f.toolCalls),
    ).toEqual([2, 4]);
  });

  it("fires every N seconds since the provider's last feedback, or since the evaluation began", async () => {
    const { clock, toolCall, collect } = harness();
    const providers = [{ provider: fixed("tick"), trigger: { everySeconds: 30 } }];
    toolCall();
    clock.advance(29_000);
    expect(await collect(providers)).toBeUndefined();
    clock.advance(1_000);
    expect(await collect(providers)).toBeDefined();
    clock.advance(20_000);
    expect(await collect(providers)).toBeUndefined();
    clock.advance(10_000);
    expect(await collect(providers)).toBeDefined();
  });

  it("ORs the trigger conditions", async () => {
    const { clock, toolCall, collect } = harness();
    const providers = [{ provider: fixed("either"), trigger: { everyCalls: 100, everySeconds: 5 } }];
    toolCall();
    clock.advance(5_000);
    expect(await collect(providers)).toBeDefined();
  });

  it("delivers only the first provider that has something to say", async () => {
    const { toolCall, collect, session } = harness();
    const silent: FeedbackProvider = { name: "silent", provide: () => undefined };
    const unwilling: FeedbackProvider = {
      name: "unwilling",
      shouldRun: () => false,
      provide: () => ({ summary: "no" }),
    };
    toolCall();
    const text = await collect([
      { provider: silent, trigger: { everyCalls: 1 } },
      { provider: unwilling, trigger: { everyCalls: 1 } },
      { provider: fixed("first", "first"), trigger: { everyCalls: 1 } },
      { provider: fixed("second", "second"), trigger: { everyCalls: 1 } },
    ]);
    expect(text).toContain("first");
    expect(
      session
        .slice(Feedback)
        .all()
        .map((f) => f.providerName),
    ).toEqual(["first"]);
  });

  it("skips a provider that throws, and logs it", async () => {
    const { toolCall, collect } = harness();
    const broken: FeedbackProvider = {
      name: "broken",
      provide: () => {
        throw new Error("boom");
      },
    };
    const warnings: unknown[] = [];
    const log = getLogger("tests.feedback");
    const spy = {
      ...log,
      warning: (...args: unknown[]) => void warnings.push(args),
    } as unknown as typeof log;
    toolCall();
    const text = await collect(
      [
        { provider: broken, trigger: { everyCalls: 1 } },
        { provider: fixed("fallback"), trigger: { everyCalls: 1 } },
      ],
      spy,
    );
    expect(text).toContain("fallback");
    expect(warnings).toHaveLength(1);
  });

  it("counts only the tool calls of its own prompt", async () => {
    const { toolCall, collect } = harness();
    toolCall("other/prompt");
    toolCall("other/prompt");
    expect(await collect([{ provider: fixed("mine"), trigger: { everyCalls: 1 } }])).toBeUndefined();
  });

  it("gives providers the counts and recent calls of the prompt", async () => {
    const { toolCall, collect } = harness();
    const seen: number[][] = [];
    const probe: FeedbackProvider = {
      name: "probe",
      provide: (context) => {
        seen.push([
          context.toolCallCount,
          context.toolCallsSinceLastFeedback,
          context.recentToolCalls(2).length,
        ]);
        return { summary: "seen" };
      },
    };
    toolCall();
    toolCall();
    toolCall();
    await collect([{ provider: probe, trigger: { everyCalls: 3 } }]);
    expect(seen).toEqual([[3, 3, 2]]);
  });
});

describe("formatFeedback", () => {
  it("puts the provider, the severity, the summary and one suggestion per line", () => {
    const feedback = Feedback.create({
      providerName: "deadline",
      promptName: PROMPT,
      summary: "About 2 minutes left.",
      suggestions: ["Wrap up.", "Answer now."],
      severity: "caution",
      createdAt: "2025-01-01T00:00:00.000Z",
      toolCalls: 1,
    });
    expect(formatFeedback(feedback)).toBe(
      "[Feedback from deadline (caution)] About 2 minutes left.\n- Wrap up.\n- Answer now.",
    );
  });
});

describe("DeadlineFeedback", () => {
  const every = (provider: FeedbackProvider) => [{ provider, trigger: { everyCalls: 1 } }];

  it("reports once per threshold crossed, more urgently as time runs out", async () => {
    const { clock, toolCall, collect } = harness({ deadlineMs: 15 * 60_000 });
    const providers = every(new DeadlineFeedback());
    toolCall();
    expect(await collect(providers)).toBeUndefined(); // 15 minutes left: above every threshold
    clock.advance(6 * 60_000);
    toolCall();
    expect(await collect(providers)).toBe(
      "[Feedback from deadline (info)] About 9 minutes left before the deadline.\n- Plan the remaining work so it fits in the time left.",
    );
    clock.advance(60_000);
    toolCall();
    expect(await collect(providers)).toBeUndefined(); // still between 10 and 2 minutes
    clock.advance(7 * 60_000);
    toolCall();
    expect(await collect(providers)).toMatch(/^\[Feedback from deadline \(caution\)\] About 60 seconds left/);
    clock.advance(40_000);
    toolCall();
    expect(await collect(providers)).toMatch(
      /^\[Feedback from deadline \(warning\)\] About 20 seconds left[\s\S]*Start no new work/,
    );
    clock.advance(5_000);
    toolCall();
    expect(await collect(providers)).toBeUndefined();
  });

  it("reports only the nearest threshold when several were crossed at once", async () => {
    const { session, toolCall, collect } = harness({ deadlineMs: 20_000 });
    toolCall();
    expect(await collect(every(new DeadlineFeedback()))).toContain("(warning)");
    expect(session.slice(Feedback).all()).toHaveLength(1);
  });

  it("says nothing without a deadline", async () => {
    const { toolCall, collect } = harness();
    toolCall();
    expect(await collect(every(new DeadlineFeedback({ thresholds: [1] })))).toBeUndefined();
  });

  it("rejects empty or non-positive thresholds", () => {
    expect(() => new DeadlineFeedback({ thresholds: [] })).toThrow(/positive numbers of seconds/);
    expect(() => new DeadlineFeedback({ thresholds: [60, 0] })).toThrow(/got \[60,0\]/);
  });
});

describe("StaticFeedback", () => {
  it("needs a summary and defaults to info", () => {
    expect(() => new StaticFeedback({ summary: " " })).toThrow(/non-empty summary/);
    expect(new StaticFeedback({ summary: "hi" }).provide()).toEqual({
      summary: "hi",
      suggestions: [],
      severity: "info",
    });
  });
});

describe("FileCreatedFeedback", () => {
  it("fires once, at the first check after the file exists", async () => {
    const filesystem = new InMemoryFilesystem();
    const { toolCall, collect } = harness({ filesystem });
    const providers = [
      {
        provider: new FileCreatedFeedback({ path: "./report.md", next: "review it, then answer." }),
        trigger: { everyCalls: 1 },
      },
    ];
    toolCall();
    expect(await collect(providers)).toBeUndefined();
    await filesystem.write("report.md", "# R");
    toolCall();
    expect(await collect(providers)).toBe(
      "[Feedback from file_created:report.md (info)] report.md was created; now review it, then answer.",
    );
    toolCall();
    expect(await collect(providers)).toBeUndefined();
  });

  it("says nothing without a filesystem", async () => {
    const { toolCall, collect } = harness();
    toolCall();
    expect(
      await collect([{ provider: new FileCreatedFeedback({ path: "a.md" }), trigger: { everyCalls: 1 } }]),
    ).toBe(undefined);
  });
});

describe("the feedback template option", () => {
  const sections = [new MarkdownSection({ key: "task", title: "Task", template: "Work." })];
  const build = (feedback: readonly FeedbackProviderConfig[]) =>
    new PromptTemplate({ ns: "tests", key: "t", sections, feedback });

  it("rejects two providers with one name", () => {
    expect(() =>
      build([
        { provider: fixed("a", "same"), trigger: { everyCalls: 1 } },
        { provider: fixed("b", "same"), trigger: { everyCalls: 1 } },
      ]),
    ).toThrow(/two feedback providers named "same"/);
  });

  it("rejects a trigger with no condition or a non-positive one", () => {
    expect(() => build([{ provider: fixed("a"), trigger: {} }])).toThrow(PromptValidationError);
    expect(() => build([{ provider: fixed("a"), trigger: { everyCalls: 0 } }])).toThrow(
      /everyCalls \(an integer > 0\)/,
    );
    expect(() => build([{ provider: fixed("a"), trigger: { everySeconds: -1 } }])).toThrow(/everySeconds/);
  });

  it("rejects something that is not a provider", () => {
    expect(() => build([{ provider: {} as FeedbackProvider, trigger: { everyCalls: 1 } }])).toThrow(
      /provider with a name and a provide\(context\) method/,
    );
  });
});
