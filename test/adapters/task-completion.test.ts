/**
 * Task completion on the shared HTTP loop, through the real OpenAI (Chat and Responses) and
 * Anthropic clients talking to the scripted model server: a model that stops early is sent back
 * with what is missing, finishes, and the limit turns a model that never finishes into an error.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { AnthropicAdapter } from "../../src/adapters/anthropic/index.js";
import { PromptEvaluationError } from "../../src/adapters/errors.js";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import type { ProviderAdapter } from "../../src/adapters/types.js";
import { Deadline } from "../../src/deadline.js";
import { FilesystemKey, InMemoryFilesystem } from "../../src/filesystem/index.js";
import {
  FileExistsChecker,
  MarkdownSection,
  Prompt,
  PromptTemplate,
  SessionPredicateChecker,
  type TaskCompletionChecker,
  Tool,
  ToolResult,
} from "../../src/prompt/index.js";
import { Binding, ResourceRegistry } from "../../src/resources/index.js";
import { Session } from "../../src/session/index.js";
import { FakeClock, ScriptedModelServer, type ScriptedTurn, turn } from "../../src/testing/index.js";

const writeFile = new Tool({
  name: "write_file",
  description: "Write a file in the workspace.",
  params: z.object({ path: z.string(), content: z.string() }),
  handler: async ({ path, content }, context) => {
    await context.filesystem?.write(path, content);
    return ToolResult.ok(undefined, `wrote ${path}`);
  },
});

function reportPrompt(checker: TaskCompletionChecker, maxContinuations?: number, output?: z.ZodObject) {
  const template = new PromptTemplate({
    ns: "tests/completion",
    key: "report",
    ...(output ? { output } : {}),
    sections: [
      new MarkdownSection({ key: "task", title: "Task", template: "Write report.md.", tools: [writeFile] }),
    ],
    taskCompletion: maxContinuations === undefined ? checker : { checker, maxContinuations },
  });
  const fs = new InMemoryFilesystem();
  const prompt = new Prompt(template).bind(
    {},
    { resources: ResourceRegistry.of(Binding.instance(FilesystemKey, fs)) },
  );
  return { prompt, fs };
}

/** A key unlike any text the tests look for: registered keys are redacted from error messages. */
const KEY = "sk-scripted-key-000000";

type Provider = { name: string; adapter: (server: ScriptedModelServer) => ProviderAdapter };

const PROVIDERS: readonly Provider[] = [
  {
    name: "OpenAI Chat",
    adapter: (s) =>
      new OpenAIAdapter({
        model: "gpt-test",
        api: "chat",
        clientOptions: { apiKey: KEY, baseURL: s.openaiBaseUrl },
      }),
  },
  {
    name: "OpenAI Responses",
    adapter: (s) =>
      new OpenAIAdapter({
        model: "gpt-test",
        api: "responses",
        clientOptions: { apiKey: KEY, baseURL: s.openaiBaseUrl },
      }),
  },
  {
    name: "Anthropic",
    adapter: (s) =>
      new AnthropicAdapter({
        model: "claude-test",
        clientOptions: { apiKey: KEY, baseURL: s.anthropicBaseUrl },
      }),
  },
];

let server: ScriptedModelServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(script: ScriptedTurn[]): Promise<ScriptedModelServer> {
  server = await ScriptedModelServer.start({ script });
  return server;
}

const REPORT_MISSING = "Your task is not complete: missing required files: report.md. Continue working";

describe.each(PROVIDERS)("task completion on $name", ({ adapter }) => {
  it("sends a model that stops early back with what is missing, and it finishes", async () => {
    const s = await start([
      turn.text("All done."),
      turn.toolCalls([
        { id: "call_w", name: "write_file", arguments: { path: "report.md", content: "# Report" } },
      ]),
      turn.text("Report written."),
    ]);
    const { prompt, fs } = reportPrompt(new FileExistsChecker({ files: ["report.md"] }));
    const response = await adapter(s).evaluate(prompt, { session: new Session() });

    expect(response.text).toBe("Report written.");
    expect(await fs.read("report.md")).toBe("# Report");
    expect(s.requests).toHaveLength(3);
    expect(JSON.stringify(s.requests[0]?.body)).not.toContain("Your task is not complete");
    expect(JSON.stringify(s.requests[1]?.body)).toContain(REPORT_MISSING);
  });

  it("fails with PromptEvaluationError naming the prompt, the feedback and the limit once continuations run out", async () => {
    const s = await start([turn.text("Done."), turn.text("Really done."), turn.text("Done, I promise.")]);
    const { prompt } = reportPrompt(new FileExistsChecker({ files: ["report.md"] }), 1);
    const error = await adapter(s)
      .evaluate(prompt, { session: new Session() })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PromptEvaluationError);
    const failure = error as PromptEvaluationError;
    expect(failure.phase).toBe("response");
    expect(failure.promptName).toBe("tests/completion/report");
    expect(failure.message).toContain(
      'Prompt "tests/completion/report" is still not complete after 1 continuation',
    );
    expect(failure.message).toContain("missing required files: report.md");
    expect(failure.message).toContain("Raise maxContinuations");
    expect(failure.details).toMatchObject({ maxContinuations: 1 });
    expect(s.requests).toHaveLength(2);
  });
});

describe("task completion with structured output", () => {
  const Summary = z.object({ summary: z.string() });

  it("checks the typed output and sends the feedback as the final_answer's tool result on Anthropic", async () => {
    const s = await start([
      turn.toolCalls([{ id: "toolu_f1", name: "final_answer", arguments: { summary: "" } }]),
      turn.toolCalls([{ id: "toolu_f2", name: "final_answer", arguments: { summary: "All checks pass." } }]),
    ]);
    const seen: unknown[] = [];
    const checker: TaskCompletionChecker = {
      check: ({ output }) => {
        seen.push(output);
        return (output as { summary: string }).summary === ""
          ? { complete: false, feedback: "the summary is empty" }
          : { complete: true };
      },
    };
    const { prompt } = reportPrompt(checker, undefined, Summary);
    const response = await new AnthropicAdapter({
      model: "claude-test",
      clientOptions: { apiKey: KEY, baseURL: s.anthropicBaseUrl },
    }).evaluate(prompt, { session: new Session() });

    expect(response.output).toEqual({ summary: "All checks pass." });
    expect(seen).toEqual([{ summary: "" }, { summary: "All checks pass." }]);
    const body = JSON.stringify(s.requests[1]?.body);
    expect(body).toContain("toolu_f1");
    expect(body).toContain("Your task is not complete: the summary is empty. Continue working");
  });

  it("checks the parsed JSON answer on OpenAI", async () => {
    const s = await start([turn.json({ summary: "" }), turn.json({ summary: "ok" })]);
    const checker = new SessionPredicateChecker({ predicate: () => false, feedback: "never" });
    let calls = 0;
    const counting: TaskCompletionChecker = {
      check: (context) => (++calls === 1 ? checker.check(context) : { complete: true }),
    };
    const { prompt } = reportPrompt(counting, undefined, Summary);
    const response = await new OpenAIAdapter({
      model: "gpt-test",
      api: "chat",
      clientOptions: { apiKey: KEY, baseURL: s.openaiBaseUrl },
    }).evaluate(prompt, { session: new Session() });

    expect(response.output).toEqual({ summary: "ok" });
    expect(JSON.stringify(s.requests[1]?.body)).toContain(
      "Your task is not complete: never. Continue working",
    );
  });
});

describe("task completion limits", () => {
  it("fails at the first incomplete answer when maxContinuations is 0", async () => {
    const s = await start([turn.text("Done.")]);
    const { prompt } = reportPrompt(new FileExistsChecker({ files: ["report.md"] }), 0);
    const error = await new OpenAIAdapter({
      model: "gpt-test",
      api: "chat",
      clientOptions: { apiKey: KEY, baseURL: s.openaiBaseUrl },
    })
      .evaluate(prompt, { session: new Session() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptEvaluationError);
    expect((error as Error).message).toContain("after 0 continuations");
  });

  it("skips the check once the deadline has passed, rather than sending the model back", async () => {
    const s = await start([
      turn.toolCalls([{ id: "call_t", name: "pass_time", arguments: {} }]),
      turn.text("Out of time; here is what I have."),
    ]);
    const clock = new FakeClock();
    const passTime = new Tool({
      name: "pass_time",
      description: "Let time pass.",
      // The wall clock jumps past the deadline; the deadline timer has not fired yet.
      handler: () => {
        clock.setWall(new Date(clock.epochMs() + 120_000));
        return ToolResult.ok(undefined, "time passed");
      },
    });
    let checks = 0;
    const template = new PromptTemplate({
      ns: "tests/completion",
      key: "late",
      sections: [new MarkdownSection({ key: "task", title: "Task", template: "Work.", tools: [passTime] })],
      taskCompletion: {
        check: () => {
          checks++;
          return { complete: false, feedback: "never done" };
        },
      },
    });
    const response = await new OpenAIAdapter({
      model: "gpt-test",
      api: "chat",
      clock,
      clientOptions: { apiKey: KEY, baseURL: s.openaiBaseUrl },
    }).evaluate(new Prompt(template), {
      session: new Session({ clock }),
      deadline: Deadline.after(60_000, clock),
    });
    expect(response.text).toBe("Out of time; here is what I have.");
    expect(checks).toBe(0);
  });

  it("fails clearly when a FileExistsChecker has no filesystem to look in", async () => {
    const s = await start([turn.text("Done.")]);
    const template = new PromptTemplate({
      ns: "tests/completion",
      key: "no-fs",
      sections: [new MarkdownSection({ key: "task", title: "Task", template: "Write report.md." })],
      taskCompletion: new FileExistsChecker({ files: ["report.md"] }),
    });
    const error = await new OpenAIAdapter({
      model: "gpt-test",
      api: "chat",
      clientOptions: { apiKey: KEY, baseURL: s.openaiBaseUrl },
    })
      .evaluate(new Prompt(template), { session: new Session() })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /FileExistsChecker of prompt "tests\/completion\/no-fs".*FilesystemKey/,
    );
  });
});
