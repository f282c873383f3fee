/**
 * An evaluation leaves nothing behind: Claude Code's per-session tree under `$TMPDIR/claude-<uid>/`
 * goes with the per-evaluation directory, and a caller's working directory gets back exactly what
 * it had.
 */

import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ClaudeAgentSDKAdapter, IsolationConfig } from "../../../src/adapters/claude-agent-sdk/index.js";
import { MarkdownSection, Prompt, PromptTemplate } from "../../../src/prompt/index.js";
import { Session } from "../../../src/session/index.js";
import { ScriptedModelServer, turn } from "../../../src/testing/model-server/index.js";
import { API_KEY, describeClaudeCode } from "./support.js";

const EVALUATIONS = 20;
const CONCURRENCY = 4;

let hostTmp = "";
const savedTmp = process.env.TMPDIR;

beforeAll(async () => {
  // A private TMPDIR for the host side (os.tmpdir() reads it on each call), so other test files
  // writing to /tmp at the same time cannot disturb the count.
  hostTmp = await mkdtemp(join(tmpdir(), "wink-cleanup-"));
  process.env.TMPDIR = hostTmp;
});

afterAll(async () => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  await rm(hostTmp, { recursive: true, force: true });
});

function prompt() {
  const template = new PromptTemplate({
    ns: "tests",
    key: "cleanup",
    sections: [new MarkdownSection({ key: "task", title: "Task", template: "Run one command." })],
  });
  return new Prompt(template);
}

/** Everything below `dir`, as relative paths. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

/** One evaluation; with `command`, the agent runs it in the sandbox first. */
async function evaluateOnce(options: { cwd?: string; command?: string } = {}): Promise<void> {
  const { cwd, command } = options;
  await using server = await ScriptedModelServer.start({
    script: [
      ...(command ? [turn.toolCalls([{ id: "toolu_1", name: "Bash", arguments: { command } }])] : []),
      turn.text("done"),
    ],
  });
  const adapter = new ClaudeAgentSDKAdapter({
    model: "claude-test",
    nativeTools: command ? ["Bash"] : [],
    ...(cwd ? { cwd } : {}),
    env: {
      ANTHROPIC_BASE_URL: server.anthropicBaseUrl,
      ANTHROPIC_API_KEY: API_KEY,
      CLAUDE_CODE_MAX_RETRIES: "1",
    },
    isolation: IsolationConfig.create({ bedrock: false }),
  });
  const response = await adapter.evaluate(prompt(), { session: new Session() });
  expect(response.text).toBe("done");
}

describeClaudeCode("what evaluations leave behind", () => {
  it(`leaves the host's TMPDIR as it was after ${EVALUATIONS} evaluations`, async () => {
    const before = await tree(hostTmp);
    for (let done = 0; done < EVALUATIONS; done += CONCURRENCY) {
      // Most are one turn (Claude Code makes its session tree at start-up); one per batch also runs
      // a sandboxed command that writes to its TMPDIR.
      const batch = Array.from({ length: Math.min(CONCURRENCY, EVALUATIONS - done) }, (_, i) =>
        evaluateOnce(i === 0 ? { command: "echo scratch > $TMPDIR/x; ls" } : {}),
      );
      await Promise.all(batch);
    }
    expect(await tree(hostTmp)).toEqual(before);
  }, 180_000);

  it("gives a caller's working directory back as it was", async () => {
    const cwd = join(hostTmp, "caller-workspace");
    await mkdir(cwd, { recursive: true });
    await writeFile(join(cwd, "README.md"), "mine\n");
    const before = await tree(cwd);
    await evaluateOnce({ cwd, command: "echo scratch > scratch.txt; rm scratch.txt" });
    expect(await tree(cwd)).toEqual(before);
    await rm(cwd, { recursive: true, force: true });
  }, 60_000);
});
