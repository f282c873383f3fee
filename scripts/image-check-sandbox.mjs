/**
 * Runs inside the worker image, mounted by scripts/image-check.ts at /app/image-check-sandbox.mjs
 * (inside the package, so `weakincentives/*` resolves to the image's own dist/): Claude Code,
 * through the image's ClaudeAgentSDKAdapter with its default isolation (OS sandbox required, no
 * network), answers one prompt against the scripted model server at ANTHROPIC_BASE_URL, which
 * asks for one Bash command. Prints one JSON line, `{ ok, error? }`; what the command printed is
 * read on the host from the model server's recorded requests.
 */
import { MarkdownSection, Prompt, PromptTemplate, Session } from "weakincentives";
import { ClaudeAgentSDKAdapter, IsolationConfig } from "weakincentives/adapters/claude-agent-sdk";

const template = new PromptTemplate({
  ns: "image-check",
  key: "sandbox",
  sections: [new MarkdownSection({ key: "task", title: "Task", template: "Run the command." })],
});
const adapter = new ClaudeAgentSDKAdapter({
  model: "claude-image-check",
  maxTurns: 3,
  nativeTools: ["Bash"],
  isolation: IsolationConfig.create({ bedrock: false }),
  env: {
    ANTHROPIC_API_KEY: process.env.ANTHROPIC_API_KEY,
    ANTHROPIC_BASE_URL: process.env.ANTHROPIC_BASE_URL,
    // A failing run should end at once, not after the SDK's retries.
    CLAUDE_CODE_MAX_RETRIES: "1",
  },
});

try {
  await adapter.evaluate(new Prompt(template), { session: new Session() });
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, error: error instanceof Error ? error.message : String(error) }));
}
