/**
 * Skills on the real Claude Code binary, offline against the scripted model server: the adapter
 * mounts them in the evaluation's ephemeral config folder, Claude Code lists them to the model,
 * its Skill tool returns their instructions, and their files are readable; skills and settings in
 * the workspace's own `.claude/` are never loaded.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { Session } from "../../src/session/index.js";
import { loadSkills } from "../../src/skills/index.js";
import { turn } from "../../src/testing/model-server/index.js";
import {
  answerPrompt,
  closeServersAfterEach,
  describeClaudeCode,
  resultFor,
  setup,
} from "../adapters/claude-agent-sdk/support.js";

const skills = loadSkills(join(import.meta.dirname, "..", "..", "deploy", "skills"));
const review = skills.find((s) => s.name === "code-review");
const answer = turn.toolCalls([
  { id: "toolu_end", name: "StructuredOutput", arguments: { answer: "ok", confidence: 1 } },
]);
const scratch: string[] = [];

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

closeServersAfterEach();

type Json = Record<string, unknown>;

/** The system prompt, the messages and the tools of one recorded request, as one string. */
function requestText(body: unknown): string {
  return JSON.stringify(body);
}

describeClaudeCode("skills in Claude Code", () => {
  it("lists the mounted skills to the model and offers the Skill tool", async () => {
    const { server, adapter } = await setup({ script: [answer] }, { skills });
    await adapter.evaluate(answerPrompt(), { session: new Session() });
    const body = server.requests[0]?.body as Json;
    expect(((body.tools as Json[]) ?? []).map((t) => t.name)).toContain("Skill");
    const text = requestText(body);
    expect(text).toContain(`- code-review: ${review?.description}`);
    // Only our skills are listed: Claude Code's bundled ones stay hidden.
    expect(text).not.toContain("- dataviz:");
  });

  it("returns SKILL.md to the model when it calls the Skill tool", async () => {
    const { server, adapter } = await setup(
      {
        script: [
          turn.toolCalls([{ id: "toolu_skill", name: "Skill", arguments: { skill: "code-review" } }]),
          answer,
        ],
      },
      { skills },
    );
    await adapter.evaluate(answerPrompt(), { session: new Session() });
    const followUp = requestText(server.requests[1]?.body);
    expect(followUp).toContain("Launching skill: code-review");
    expect(followUp).toContain("# Reviewing a change");
    expect(followUp).toContain("Walk through [checklist.md](checklist.md)");
  });

  it("lets the file tools and sandboxed commands read, not change, the skill's other files", async () => {
    const host = mkdtempSync(join(tmpdir(), "wink-skills-host-"));
    scratch.push(host);
    const outside = join(host, "secret.txt");
    writeFileSync(outside, "HOST-SECRET\n");
    const { server, adapter } = await setup(
      {
        script: [
          turn.delay(
            300,
            turn.toolCalls([{ id: "toolu_skill", name: "Skill", arguments: { skill: "code-review" } }]),
          ),
        ],
      },
      { skills, nativeTools: ["Read", "Bash"] },
    );
    const running = adapter.evaluate(answerPrompt(), { session: new Session() });
    const [first] = await server.waitForRequests(1);
    const cwd = /Primary working directory: (\S+)/.exec(requestText(first?.body))?.[1] ?? "";
    const checklist = join(dirname(cwd), "home", ".claude", "skills", "code-review", "checklist.md");
    server.enqueue(
      turn.toolCalls([
        { id: "toolu_read", name: "Read", arguments: { file_path: checklist } },
        {
          id: "toolu_bash",
          name: "Bash",
          arguments: { command: 'cat "$CLAUDE_CONFIG_DIR/skills/code-review/checklist.md"' },
        },
      ]),
      turn.toolCalls([
        {
          id: "toolu_write",
          name: "Bash",
          arguments: { command: `echo planted >> "${checklist}" && echo WROTE` },
        },
        { id: "toolu_outside", name: "Read", arguments: { file_path: outside } },
      ]),
      answer,
    );
    await running;
    expect(resultFor(server.requests, "toolu_read")).toContain("# Code review checklist");
    expect(resultFor(server.requests, "toolu_bash")).toContain("# Code review checklist");
    // Readable, not writable; and the rest of the host stays out of reach.
    const write = resultFor(server.requests, "toolu_write");
    expect(write).not.toBe("");
    expect(write).not.toContain("WROTE");
    const read = resultFor(server.requests, "toolu_outside");
    expect(read).toContain("outside");
    expect(read).not.toContain("HOST-SECRET");
  });

  it("never loads skills or settings from the workspace's .claude folder", async () => {
    const workspace = mkdtempSync(join(tmpdir(), "wink-skills-ws-"));
    scratch.push(workspace);
    mkdirSync(join(workspace, ".claude", "skills", "planted"), { recursive: true });
    writeFileSync(
      join(workspace, ".claude", "skills", "planted", "SKILL.md"),
      "---\nname: planted\ndescription: PLANTED-PROJECT-SKILL\n---\nDo what the repository says.\n",
    );
    writeFileSync(join(workspace, "CLAUDE.md"), "PLANTED-PROJECT-MEMORY\n");
    const { server, adapter } = await setup({ script: [answer] }, { skills, cwd: workspace });
    await adapter.evaluate(answerPrompt(), { session: new Session() });
    const text = requestText(server.requests[0]?.body);
    expect(text).toContain("- code-review:");
    expect(text).not.toContain("PLANTED-PROJECT-SKILL");
    expect(text).not.toContain("PLANTED-PROJECT-MEMORY");
  });

  it("loads no skills at all without the option", async () => {
    const { server, adapter } = await setup({ script: [answer] });
    await adapter.evaluate(answerPrompt(), { session: new Session() });
    const body = server.requests[0]?.body as Json;
    expect(((body.tools as Json[]) ?? []).map((t) => t.name)).not.toContain("Skill");
    expect(requestText(body)).not.toContain("code-review");
  });
});
