/**
 * Task completion and feedback on the real Claude Code binary, against the scripted model
 * server: the `Stop` hook and the `StructuredOutput` `PreToolUse` hook send an incomplete task
 * back to the model, the final verification fails a task still incomplete at the limit, and
 * `PostToolUse` feedback reaches the model's next request.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { PromptEvaluationError } from "../../../src/adapters/errors.js";
import { FilesystemKey, InMemoryFilesystem } from "../../../src/filesystem/index.js";
import {
  Feedback,
  type FeedbackProviderConfig,
  FileExistsChecker,
  MarkdownSection,
  Prompt,
  PromptTemplate,
  StaticFeedback,
  type TaskCompletionChecker,
  TaskCompletionResult,
  Tool,
  ToolResult,
} from "../../../src/prompt/index.js";
import { Binding, ResourceRegistry } from "../../../src/resources/index.js";
import { Session } from "../../../src/session/index.js";
import { turn } from "../../../src/testing/model-server/index.js";
import { closeServersAfterEach, describeClaudeCode, lookup, resultFor, setup } from "./support.js";

closeServersAfterEach();

const writeFile = new Tool({
  name: "write_file",
  description: "Write a file in the workspace.",
  params: z.object({ path: z.string(), content: z.string() }),
  handler: async ({ path, content }, context) => {
    await context.filesystem?.write(path, content);
    return ToolResult.ok(undefined, `wrote ${path}`);
  },
});

const Answer = z.object({ answer: z.string() });

function makePrompt(options: {
  taskCompletion?: TaskCompletionChecker | { checker: TaskCompletionChecker; maxContinuations: number };
  output?: boolean;
  feedback?: readonly FeedbackProviderConfig[];
}) {
  const template = new PromptTemplate({
    ns: "tests/claude-completion",
    key: "report",
    ...(options.output ? { output: Answer } : {}),
    sections: [
      new MarkdownSection({
        key: "task",
        title: "Task",
        template: "Write report.md, then answer.",
        tools: [writeFile, lookup],
      }),
    ],
    ...(options.taskCompletion ? { taskCompletion: options.taskCompletion } : {}),
    ...(options.feedback ? { feedback: options.feedback } : {}),
  });
  const fs = new InMemoryFilesystem();
  const prompt = new Prompt(template).bind(
    {},
    { resources: ResourceRegistry.of(Binding.instance(FilesystemKey, fs)) },
  );
  return { prompt, fs };
}

const bodyText = (body: unknown): string => JSON.stringify(body);
const REPORT_MISSING = "Your task is not complete: missing required files: report.md. Continue working";

describeClaudeCode("task completion on Claude Code", () => {
  it("blocks an early stop with the feedback (Stop hook), and the model finishes", async () => {
    const { server, adapter } = await setup({
      script: [
        turn.text("All done."),
        turn.toolCalls([
          { id: "toolu_w", name: "mcp__wink__write_file", arguments: { path: "report.md", content: "# R" } },
        ]),
        turn.text("Report written."),
      ],
    });
    const { prompt, fs } = makePrompt({ taskCompletion: new FileExistsChecker({ files: ["report.md"] }) });
    const response = await adapter.evaluate(prompt, { session: new Session() });

    expect(response.text).toBe("Report written.");
    expect(await fs.read("report.md")).toBe("# R");
    expect(server.requests).toHaveLength(3);
    expect(bodyText(server.requests[0]?.body)).not.toContain("Your task is not complete");
    expect(bodyText(server.requests[1]?.body)).toContain(REPORT_MISSING);
  });

  it("denies an early StructuredOutput with the feedback, and accepts the next one", async () => {
    const { server, adapter } = await setup({
      script: [
        turn.toolCalls([{ id: "toolu_s1", name: "StructuredOutput", arguments: { answer: "early" } }]),
        turn.toolCalls([
          { id: "toolu_w", name: "mcp__wink__write_file", arguments: { path: "report.md", content: "# R" } },
        ]),
        turn.toolCalls([{ id: "toolu_s2", name: "StructuredOutput", arguments: { answer: "final" } }]),
      ],
    });
    const seen: unknown[] = [];
    const files = new FileExistsChecker({ files: ["report.md"] });
    const checker: TaskCompletionChecker = {
      check: (context) => {
        seen.push(context.output);
        return files.check(context);
      },
    };
    const { prompt } = makePrompt({ taskCompletion: checker, output: true });
    const response = await adapter.evaluate(prompt, { session: new Session() });

    expect(response.output).toEqual({ answer: "final" });
    // The early answer, the accepted one, then the final verification of the accepted one.
    expect(seen).toEqual([{ answer: "early" }, { answer: "final" }, { answer: "final" }]);
    expect(resultFor(server.requests, "toolu_s1")).toContain(REPORT_MISSING);
    expect(server.requests).toHaveLength(3);
  });

  it("fails with PromptEvaluationError once the continuations are used up", async () => {
    const { server, adapter } = await setup({
      script: [turn.text("Done."), turn.text("Done again.")],
      policy: true,
    });
    const { prompt } = makePrompt({
      taskCompletion: { checker: new FileExistsChecker({ files: ["report.md"] }), maxContinuations: 1 },
    });
    const error = await adapter.evaluate(prompt, { session: new Session() }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PromptEvaluationError);
    expect((error as PromptEvaluationError).phase).toBe("response");
    expect((error as Error).message).toContain(
      'Prompt "tests/claude-completion/report" is still not complete after 1 continuation',
    );
    expect((error as Error).message).toContain("missing required files: report.md");
    expect(server.requests).toHaveLength(2);
  });

  it("lets an incomplete StructuredOutput through at the limit, then fails in the final verification", async () => {
    const { server, adapter } = await setup({
      script: [
        turn.toolCalls([{ id: "toolu_s1", name: "StructuredOutput", arguments: { answer: "early" } }]),
      ],
      policy: true,
    });
    const { prompt } = makePrompt({
      taskCompletion: { checker: new FileExistsChecker({ files: ["report.md"] }), maxContinuations: 0 },
      output: true,
    });
    const error = await adapter.evaluate(prompt, { session: new Session() }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PromptEvaluationError);
    expect((error as Error).message).toContain("is still not complete after 0 continuations");
    expect(server.requests).toHaveLength(1);
  });

  it("ends the evaluation with the checker's error when a checker throws", async () => {
    const { adapter } = await setup({ script: [turn.text("Done.")], policy: true });
    const broken: TaskCompletionChecker = {
      check: () => {
        throw new Error("checker exploded");
      },
    };
    const { prompt } = makePrompt({ taskCompletion: broken });
    const error = await adapter.evaluate(prompt, { session: new Session() }).catch((e: unknown) => e);
    expect((error as Error).message).toBe("checker exploded");
  });

  it("accepts a complete answer at once", async () => {
    const { server, adapter } = await setup({ script: [turn.text("Done.")] });
    const { prompt } = makePrompt({ taskCompletion: { check: () => TaskCompletionResult.ok() } });
    const response = await adapter.evaluate(prompt, { session: new Session() });
    expect(response.text).toBe("Done.");
    expect(server.requests).toHaveLength(1);
  });
});

describeClaudeCode("feedback on Claude Code", () => {
  it("delivers a provider's feedback after a tool call as PostToolUse additionalContext", async () => {
    const { server, adapter } = await setup({
      script: [
        turn.toolCalls([{ id: "toolu_l", name: "mcp__wink__lookup", arguments: { id: "7" } }]),
        turn.text("Looked it up."),
      ],
    });
    const session = new Session();
    const { prompt } = makePrompt({
      feedback: [
        {
          provider: new StaticFeedback({ summary: "Remember to cite the entity id.", severity: "caution" }),
          trigger: { everyCalls: 1 },
        },
      ],
    });
    const response = await adapter.evaluate(prompt, { session });

    expect(response.text).toBe("Looked it up.");
    const next = bodyText(server.requests[1]?.body);
    expect(resultFor(server.requests, "toolu_l")).toContain("entity 7");
    expect(next).toContain("[Feedback from static (caution)] Remember to cite the entity id.");
    expect(bodyText(server.requests[0]?.body)).not.toContain("Remember to cite");
    expect(session.slice(Feedback).all()).toMatchObject([
      { providerName: "static", promptName: "tests/claude-completion/report", toolCalls: 1 },
    ]);
  });
});

describe("task completion on Claude Code (shape)", () => {
  it("needs no Claude Code binary to build a prompt with both options", () => {
    const { prompt } = makePrompt({
      taskCompletion: new FileExistsChecker({ files: ["report.md"] }),
      feedback: [{ provider: new StaticFeedback({ summary: "x" }), trigger: { everySeconds: 30 } }],
    });
    expect(prompt.template.taskCompletion?.maxContinuations).toBe(3);
    expect(prompt.template.feedback).toHaveLength(1);
  });
});
