/**
 * End to end: the OpenAI adapter (Chat Completions, real `openai` client) talks HTTP to the
 * scripted model server, and the scripted model finds, reads and edits a file of the bound
 * in-memory workspace through the workspace tools.
 */
import { afterEach, describe, expect, it } from "vitest";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import { ToolInvoked } from "../../src/events/index.js";
import { FilesystemKey, InMemoryFilesystem } from "../../src/filesystem/index.js";
import { MarkdownSection, Prompt, PromptTemplate } from "../../src/prompt/index.js";
import { Binding, ResourceRegistry } from "../../src/resources/index.js";
import { Session } from "../../src/session/index.js";
import { ScriptedModelServer, turn } from "../../src/testing/index.js";
import { filesystemToolPolicies, filesystemTools } from "../../src/workspace/tools.js";

const template = new PromptTemplate({
  ns: "tests/workspace",
  key: "fix-answer",
  sections: [
    new MarkdownSection({
      key: "workspace",
      title: "Workspace",
      template: "Fix the answer in the workspace.",
      tools: filesystemTools(),
      policies: filesystemToolPolicies(),
    }),
  ],
});

let server: ScriptedModelServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The tool message the adapter sent back for `callId` in the request with `index`. */
function toolReply(index: number, callId: string): string | undefined {
  const body = server?.requests[index]?.body as {
    messages?: { role: string; tool_call_id?: string; content?: unknown }[];
  };
  const message = body.messages?.find((m) => m.role === "tool" && m.tool_call_id === callId);
  return typeof message?.content === "string" ? message.content : undefined;
}

describe("the workspace tools on the OpenAI chat adapter", () => {
  it("lets the model glob, read and edit a bound in-memory file", async () => {
    server = await ScriptedModelServer.start({
      script: [
        turn.toolCalls([{ id: "call_edit_early", name: "edit_file", arguments: edit }]),
        turn.toolCalls([{ id: "call_glob", name: "glob", arguments: { pattern: "**/*.ts" } }]),
        turn.toolCalls([{ id: "call_read", name: "read_file", arguments: { path: "src/answer.ts" } }]),
        turn.toolCalls([{ id: "call_edit", name: "edit_file", arguments: edit }]),
        turn.text("Fixed the answer."),
      ],
    });
    const fs = new InMemoryFilesystem({
      "src/answer.ts": "export const answer = 41;\n",
      "README.md": "# demo\n",
    });
    const prompt = new Prompt(template).bind(
      {},
      { resources: ResourceRegistry.of(Binding.instance(FilesystemKey, fs)) },
    );
    const adapter = new OpenAIAdapter({
      model: "gpt-4.1-mini",
      api: "chat",
      clientOptions: { apiKey: "test", baseURL: server.openaiBaseUrl },
    });
    const session = new Session();
    await adapter.evaluate(prompt, { session });

    expect(await fs.read("src/answer.ts")).toBe("export const answer = 42;\n");
    expect(
      session
        .slice(ToolInvoked)
        .all()
        .map((e) => [e.name, e.success]),
    ).toEqual([
      ["edit_file", false],
      ["glob", true],
      ["read_file", true],
      ["edit_file", true],
    ]);
    expect(toolReply(1, "call_edit_early")).toContain('"src/answer.ts" already exists and has not been read');
    expect(toolReply(2, "call_glob")).toBe('1 file in the workspace matches "**/*.ts":\nsrc/answer.ts');
    expect(toolReply(3, "call_read")).toBe(
      '"src/answer.ts", lines 1-1 of 1:\n   1\texport const answer = 41;',
    );
    expect(toolReply(4, "call_edit")).toBe('Edited "src/answer.ts": 1 replacement.');
  });
});

const edit = { path: "src/answer.ts", old_string: "answer = 41", new_string: "answer = 42" };
