/**
 * SkillsSection: what it renders, what read_skill answers, and the whole round trip on the real
 * OpenAI and Anthropic clients against the scripted model server.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AnthropicAdapter } from "../../src/adapters/anthropic/index.js";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import type { ProviderAdapter } from "../../src/adapters/types.js";
import { ToolInvoked } from "../../src/events/index.js";
import { executeToolCall, MarkdownSection, Prompt, PromptTemplate } from "../../src/prompt/index.js";
import { ResourceRegistry } from "../../src/resources/index.js";
import { Session } from "../../src/session/index.js";
import { loadSkill, READ_SKILL_TOOL, type Skill, SkillError, SkillsSection } from "../../src/skills/index.js";
import { ScriptedModelServer, turn } from "../../src/testing/index.js";
import { skillMd, tempDir, validSkill, writeSkill } from "./support.js";

function skills(): Skill[] {
  const root = tempDir();
  const review = writeSkill(root, "review", {
    "SKILL.md": skillMd(
      "name: review\ndescription: How to review a change.",
      "# Review\n\nREVIEW-BODY-MARKER\n",
    ),
    "checklist.md": "CHECKLIST-MARKER\n",
    "logo.png": new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe]),
  });
  return [loadSkill(review), loadSkill(validSkill("deploy", root))];
}

function template(offered: readonly Skill[]) {
  return new PromptTemplate({
    ns: "tests/skills",
    key: "section",
    sections: [
      new MarkdownSection({ key: "task", title: "Task", template: "Review the change." }),
      new SkillsSection({ skills: offered }),
    ],
  });
}

describe("SkillsSection", () => {
  it("renders each skill's name and description, never its body", () => {
    const rendered = new Prompt(template(skills())).render({ session: new Session() });
    expect(rendered.text).toContain("- `review`: How to review a change.");
    expect(rendered.text).toContain("- `deploy`: Demo skill for tests.");
    expect(rendered.text).not.toContain("REVIEW-BODY-MARKER");
    expect(rendered.tools.map((t) => t.name)).toEqual([READ_SKILL_TOOL]);
  });

  it("lists the skill names in the tool's parameter description", () => {
    const rendered = new Prompt(template(skills())).render({ session: new Session() });
    expect(JSON.stringify(rendered.tools[0]?.tool.parametersJsonSchema)).toContain("one of review, deploy");
  });

  it("leaves itself and read_skill out when there are no skills", () => {
    const rendered = new Prompt(template([])).render({ session: new Session() });
    expect(rendered.text).not.toContain("Skills");
    expect(rendered.tools).toEqual([]);
  });

  it("reads a file by the workspace path rules, refusing bad paths in the skill's words", async () => {
    const prompt = new Prompt(template(skills()));
    const session = new Session();
    const rendered = prompt.render({ session });
    const resources = ResourceRegistry.of().open();
    const read = async (file: string) =>
      (
        await executeToolCall(
          { name: READ_SKILL_TOOL, arguments: { name: "review", file } },
          { session, resources, rendered, prompt, adapter: "test" },
        )
      ).output;
    expect(await read("notes/.././checklist.md")).toBe("CHECKLIST-MARKER\n");
    expect(await read("a/../../SKILL.md")).toContain(
      'file "a/../../SKILL.md" leaves the skill folder with ".."',
    );
    expect(await read("C:\\x")).toContain('file "C:\\\\x" is an absolute path');
    expect(await read("./")).toContain('file "./" names no file of the skill. Omit file to read SKILL.md.');
  });

  it("refuses two skills with one name", () => {
    const one = loadSkill(validSkill("demo"));
    const two = loadSkill(validSkill("demo"));
    expect(() => new SkillsSection({ skills: [one, two] })).toThrow(SkillError);
  });

  it("can start summarized, like any section", () => {
    const section = new SkillsSection({
      skills: skills(),
      visibility: "summary",
      summary: "Playbooks for reviews.",
    });
    const rendered = new Prompt(
      new PromptTemplate({ ns: "tests/skills", key: "summary", sections: [section] }),
    ).render({ session: new Session() });
    expect(rendered.text).toContain("Playbooks for reviews.");
    expect(rendered.text).not.toContain("`review`");
  });
});

let server: ScriptedModelServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

type Json = Record<string, unknown>;

/** Every tool result text sent back (Responses, Chat or Messages shape), by call id. */
function toolOutputs(requests: readonly { body: unknown }[]): Map<string, string> {
  const outputs = new Map<string, string>();
  for (const { body } of requests) {
    for (const item of ((body as Json).input as Json[] | undefined) ?? []) {
      if (item.type === "function_call_output") outputs.set(String(item.call_id), String(item.output));
    }
    for (const message of ((body as Json).messages as Json[] | undefined) ?? []) {
      if (message.role === "tool") outputs.set(String(message.tool_call_id), String(message.content));
      for (const block of Array.isArray(message.content) ? (message.content as Json[]) : []) {
        if (block.type !== "tool_result") continue;
        const content = block.content;
        const text =
          typeof content === "string" ? content : ((content as Json[]) ?? []).map((c) => c.text).join("");
        outputs.set(String(block.tool_use_id), text);
      }
    }
  }
  return outputs;
}

const calls = [
  { id: "call_body", name: READ_SKILL_TOOL, arguments: { name: "review" } },
  { id: "call_file", name: READ_SKILL_TOOL, arguments: { name: "review", file: "./checklist.md" } },
  { id: "call_up", name: READ_SKILL_TOOL, arguments: { name: "review", file: "../deploy/SKILL.md" } },
  { id: "call_abs", name: READ_SKILL_TOOL, arguments: { name: "review", file: "/etc/passwd" } },
  { id: "call_binary", name: READ_SKILL_TOOL, arguments: { name: "review", file: "logo.png" } },
  { id: "call_missing", name: READ_SKILL_TOOL, arguments: { name: "review", file: "nope.md" } },
  { id: "call_unknown", name: READ_SKILL_TOOL, arguments: { name: "nope" } },
];

async function roundTrip(makeAdapter: (server: ScriptedModelServer) => ProviderAdapter) {
  server = await ScriptedModelServer.start({ script: [turn.toolCalls(calls), turn.text("Reviewed.")] });
  const session = new Session();
  await makeAdapter(server).evaluate(new Prompt(template(skills())), { session });
  const first = JSON.stringify(server.requests[0]?.body);
  return { first, outputs: toolOutputs(server.requests), session };
}

describe.each([
  [
    "OpenAI",
    (s: ScriptedModelServer) =>
      new OpenAIAdapter({
        model: "gpt-4.1-mini",
        clientOptions: { apiKey: "test", baseURL: s.openaiBaseUrl },
      }),
  ],
  [
    "Anthropic",
    (s: ScriptedModelServer) =>
      new AnthropicAdapter({
        model: "claude-sonnet-4-6",
        clientOptions: { apiKey: "test", baseURL: s.anthropicBaseUrl },
      }),
  ],
])("read_skill on the %s adapter", (_name, makeAdapter) => {
  it("sends only names and descriptions first, then what the model asks for", async () => {
    const { first, outputs, session } = await roundTrip(makeAdapter);
    expect(first).toContain("How to review a change.");
    expect(first).toContain(READ_SKILL_TOOL);
    expect(first).not.toContain("REVIEW-BODY-MARKER");

    const body = outputs.get("call_body") ?? "";
    expect(body).toContain("# Skill: review");
    expect(body).toContain("REVIEW-BODY-MARKER");
    expect(body).toContain("- checklist.md (17 bytes)");
    expect(outputs.get("call_file")).toBe("CHECKLIST-MARKER\n");
    expect(outputs.get("call_up")).toContain('file "../deploy/SKILL.md" leaves the skill folder with ".."');
    expect(outputs.get("call_abs")).toContain('file "/etc/passwd" is an absolute path');
    expect(outputs.get("call_binary")).toContain('"logo.png" of skill "review" is binary (6 bytes)');
    expect(outputs.get("call_missing")).toContain(
      'Skill "review" has no file "nope.md". Its files: SKILL.md, checklist.md, logo.png',
    );
    expect(outputs.get("call_unknown")).toContain('Unknown skill "nope". Skills: review, deploy.');

    const invoked = session.slice(ToolInvoked).all();
    expect(invoked.find((e) => e.callId === "call_file")).toMatchObject({
      name: READ_SKILL_TOOL,
      success: true,
    });
    expect(invoked.find((e) => e.callId === "call_up")?.success).toBe(false);
  });
});

it("keeps serving what was loaded after the folder changes", async () => {
  const offered = skills();
  const review = offered.find((skill) => skill.name === "review");
  if (review === undefined) throw new Error("the review skill was not loaded");
  writeFileSync(join(review.root, "checklist.md"), "CHANGED");
  server = await ScriptedModelServer.start({
    script: [
      turn.toolCalls([
        { id: "call_file", name: READ_SKILL_TOOL, arguments: { name: "review", file: "checklist.md" } },
      ]),
      turn.text("ok"),
    ],
  });
  const adapter = new OpenAIAdapter({
    model: "gpt-4.1-mini",
    clientOptions: { apiKey: "test", baseURL: server.openaiBaseUrl },
  });
  await adapter.evaluate(new Prompt(template(offered)), { session: new Session() });
  expect(toolOutputs(server.requests).get("call_file")).toBe("CHECKLIST-MARKER\n");
});
