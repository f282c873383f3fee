/** Submits review requests to a mailbox and prints the typed replies as they arrive. */
import { randomUUID } from "node:crypto";
import type { Mailbox, MainLoopRequest, MainLoopResult } from "weakincentives/runtime";
import type { ReviewRequest } from "./agent.js";

/** Sample changes for the demo. */
export const SAMPLE_REQUESTS: readonly ReviewRequest[] = [
  { change: "Add an HTTP helper", files: ["src/http.ts"] },
  { change: "Make the retry count configurable", files: ["src/retry.ts"] },
];

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
