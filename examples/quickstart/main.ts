/**
 * `npm start`: run the code-review agent definition end to end, offline.
 *
 * Until the provider adapters land, a scripted "model" (a fixed list of turns) stands in for a
 * real one: the example renders the prompt, executes the scripted tool calls through the same
 * executor adapters use (validation, policies, transactions, events), parses the final answer
 * against the output schema, and prints what a production worker would log and measure.
 */
import {
  Budget,
  BudgetTracker,
  Deadline,
  InProcessDispatcher,
  Prompt,
  parseStructuredOutput,
  Session,
  ToolInvoked,
} from "weakincentives";
import { executeToolCall, type ToolCall } from "weakincentives/prompt";
import { ResourceRegistry } from "weakincentives/resources";
import { configureLogging, getLogger } from "weakincentives/runtime";
import { FileRead, reviewTemplate } from "./agent.js";

configureLogging({ level: process.env.WEAKINCENTIVES_LOG_LEVEL ?? "WARNING" });
const log = getLogger("examples.quickstart");

/** The scripted turns: two tool calls (one invalid, one denied by policy), then the answer. */
const SCRIPT: readonly (readonly ToolCall[] | string)[] = [
  [{ id: "call-1", name: "read_file", arguments: '{"path": 42}' }],
  [{ id: "call-2", name: "write_file", arguments: '{"path": "src/http.ts", "content": "..."}' }],
  [{ id: "call-3", name: "read_file", arguments: '{"path": "src/http.ts"}' }],
  [
    "The fetch call ignores HTTP errors.",
    "```json",
    JSON.stringify({
      summary: "get() never checks res.ok and has no timeout.",
      issues: [
        { file: "src/http.ts", line: 2, message: "Check res.ok and pass an AbortSignal with a timeout." },
      ],
      approve: false,
    }),
    "```",
  ].join("\n"),
];

async function main(): Promise<void> {
  const dispatcher = new InProcessDispatcher();
  const toolCounts = new Map<string, { calls: number; errors: number }>();
  dispatcher.subscribe(ToolInvoked, (event) => {
    const count = toolCounts.get(event.name) ?? { calls: 0, errors: 0 };
    count.calls++;
    if (event.isError) count.errors++;
    toolCounts.set(event.name, count);
  });

  const session = new Session({ dispatcher, tags: { example: "quickstart" } });
  const prompt = new Prompt(reviewTemplate).bind({
    request: { change: "Add an HTTP helper", files: ["src/http.ts"] },
  });
  const rendered = prompt.render({ session });
  const deadline = Deadline.after(30_000);
  const budget = new Budget({ deadline, maxTotalTokens: 20_000 });
  const tracker = new BudgetTracker(budget);
  await using resources = ResourceRegistry.of().open();

  console.log(
    `Rendered "${rendered.name}": ${rendered.text.length} chars, tools: ${rendered.tools.map((t) => t.name).join(", ")}`,
  );
  console.log("Model: scripted turns (provider adapters are not built yet).\n");

  const outputSpec = rendered.output;
  if (!outputSpec) throw new Error("The review template declares an output schema.");
  let output: unknown;
  for (const [turn, step] of SCRIPT.entries()) {
    tracker.recordCumulative("quickstart", { inputTokens: 900 * (turn + 1), outputTokens: 120 * (turn + 1) });
    tracker.check();
    if (typeof step === "string") {
      output = parseStructuredOutput(step, outputSpec);
      break;
    }
    for (const call of step) {
      const execution = await executeToolCall(call, {
        session,
        resources,
        rendered,
        prompt,
        adapter: "scripted",
        deadline,
        budgetTracker: tracker,
      });
      const status = execution.result.success ? "ok " : "err";
      console.log(`turn ${turn + 1} ${status} ${call.name}: ${execution.output.split("\n")[0]}`);
    }
  }

  log.info("quickstart.done", "Review finished", { sessionId: session.sessionId });
  console.log("\nTyped output:", JSON.stringify(output, null, 2));
  console.log(
    "Files read (session state):",
    session
      .slice(FileRead)
      .all()
      .map((f) => f.path)
      .join(", "),
  );
  console.log("Tool metrics:", Object.fromEntries(toolCounts));
  console.log("Tokens consumed:", tracker.consumed.totalTokens);
  console.log("Session snapshot (JSON line):", `${session.snapshot().serialize().slice(0, 100)}…`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
