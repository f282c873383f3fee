/** Submits review requests to a mailbox and prints the typed replies as they arrive. */
import { randomUUID } from "node:crypto";
import type { Mailbox, MainLoopRequest, MainLoopResult } from "weakincentives/runtime";
import { type ScriptedTurn, turn } from "weakincentives/testing";
import { REPORT_PATH, type ReviewRequest } from "./agent.js";

/** Sample changes for the demo. */
export const SAMPLE_REQUESTS: readonly ReviewRequest[] = [
  { change: "Add an HTTP helper", files: ["src/http.ts"] },
  { change: "Make the retry count configurable", files: ["src/retry.ts"] },
];

/** The verdicts the scripted model gives the sample requests, in order. */
const SAMPLE_VERDICTS = [
  {
    summary: "get() never checks res.ok and has no timeout.",
    issues: [
      { file: "src/http.ts", line: 3, message: "Check res.ok and pass an AbortSignal with a timeout." },
    ],
    approve: false,
  },
  { summary: "A constant; nothing to fix.", issues: [], approve: true },
];

/**
 * What the offline model answers for {@link SAMPLE_REQUESTS}: per request, look at the mounted
 * repository, read the touched file, write the report to the workspace, answer with the verdict.
 */
export function sampleScript(): ScriptedTurn[] {
  return SAMPLE_REQUESTS.flatMap((request, index) => {
    const file = request.files[0] ?? "";
    const verdict = SAMPLE_VERDICTS[index] ?? SAMPLE_VERDICTS[1];
    const report = [`# Review: ${request.change}`, "", verdict?.summary ?? "", ""].join("\n");
    return [
      turn.toolCalls([
        { id: `list_${index}`, name: "glob", arguments: { pattern: "**/*.ts", path: "repo" } },
      ]),
      turn.toolCalls([{ id: `read_${index}`, name: "read_file", arguments: { path: `repo/${file}` } }]),
      turn.toolCalls([
        { id: `write_${index}`, name: "write_file", arguments: { path: REPORT_PATH, content: report } },
      ]),
      turn.json(verdict),
    ];
  });
}

/** Send each request with `replies` as the reply address; returns their request ids. */
export async function submit(
  requests: Mailbox<unknown>,
  replies: Mailbox<MainLoopResult<unknown>>,
  items: readonly ReviewRequest[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const request of items) {
    const requestId = randomUUID();
    const envelope: MainLoopRequest<ReviewRequest> = {
      request,
      requestId,
      createdAt: new Date().toISOString(),
    };
    await requests.send(envelope, { replyTo: replies });
    ids.push(requestId);
  }
  return ids;
}

/** Wait for one reply per id (long polls), printing each; stops early when `signal` aborts. */
export async function collect(
  replies: Mailbox<MainLoopResult<unknown>>,
  ids: readonly string[],
  signal: AbortSignal,
  print: (line: string) => void = console.log,
): Promise<MainLoopResult<unknown>[]> {
  const pending = new Set(ids);
  const results: MainLoopResult<unknown>[] = [];
  while (pending.size > 0 && !signal.aborted) {
    for (const message of await replies.receive({ maxMessages: 10, waitTimeSeconds: 20, signal })) {
      const result = message.body;
      await message.acknowledge();
      if (!pending.delete(result.requestId)) continue;
      results.push(result);
      print(
        result.success
          ? `result ${result.requestId}: ${JSON.stringify(result.output)}`
          : `failed ${result.requestId}: ${result.error?.type}: ${result.error?.message}`,
      );
    }
  }
  return results;
}
