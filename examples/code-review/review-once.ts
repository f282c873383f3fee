/**
 * `npm run review`: review one change with the code-review agent, end to end.
 *
 * The agent runs through a real adapter (the OpenAI SDK over HTTP): against OpenAI or Anthropic
 * when their key is set, otherwise against the scripted model server on 127.0.0.1, whose script
 * shows the workspace and the executor at work — a malformed tool call answered with a readable
 * error, a write into the read-only repository refused, a read, the report written to the
 * workspace, then a typed verdict.
 */
import { Budget, Deadline, InProcessDispatcher, Prompt, Session, ToolInvoked } from "weakincentives";
import { AgentConfig } from "weakincentives/config";
import { configureLogging } from "weakincentives/runtime";
import { turn } from "weakincentives/testing";
import { REPORT_PATH, reviewTemplate } from "./agent.js";
import { chooseModel } from "./model.js";

// Quiet by default so the review reads clearly; WEAKINCENTIVES_LOG_LEVEL still raises it.
configureLogging({ defaultLevel: "warning" });

const SCRIPT = [
  turn.toolCalls([{ id: "call_1", name: "read_file", arguments: { path: 42 } }]),
  turn.toolCalls([{ id: "call_3", name: "read_file", arguments: { path: "repo/src/http.ts" } }]),
  turn.toolCalls([
    { id: "call_2", name: "write_file", arguments: { path: "repo/src/http.ts", content: "..." } },
  ]),
  turn.toolCalls([
    {
      id: "call_4",
      name: "write_file",
      arguments: {
        path: REPORT_PATH,
        content: "# Review\n\nget() never checks res.ok and has no timeout.\n",
      },
    },
  ]),
  turn.json({
    summary: "get() never checks res.ok and has no timeout.",
    issues: [
      { file: "src/http.ts", line: 2, message: "Check res.ok and pass an AbortSignal with a timeout." },
    ],
    approve: false,
  }),
];

async function main(): Promise<void> {
  const config = AgentConfig.fromEnv(undefined, { calibration: "off" });
  const model = await chooseModel(config, SCRIPT);
  console.log(`Model: ${model.description}\n`);
  try {
    const dispatcher = new InProcessDispatcher();
    dispatcher.subscribe(ToolInvoked, (event) => {
      console.log(
        `tool ${event.isError ? "err" : "ok "} ${event.name}: ${event.renderedOutput.split("\n")[0]}`,
      );
    });
    const session = new Session({ dispatcher, tags: { example: "code-review" } });
    const prompt = new Prompt(reviewTemplate).bind({
      request: { change: "Add an HTTP helper", files: ["src/http.ts"] },
    });
    const response = await model.adapter.evaluate(prompt, {
      session,
      budget: new Budget({ deadline: Deadline.after(120_000), maxTotalTokens: 200_000 }),
    });
    console.log("\nTyped output:", JSON.stringify(response.output, null, 2));
    const written = session
      .slice(ToolInvoked)
      .all()
      .filter((e) => e.name === "write_file" && e.success);
    console.log(
      "Files written to the workspace:",
      written.map((e) => (e.params as { path?: string }).path).join(", ") || "none",
    );
    console.log("Tokens:", response.usage);
  } finally {
    await model.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
