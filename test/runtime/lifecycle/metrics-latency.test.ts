/**
 * Latency, retry and cost series from a real request: a worker (createWorker) with the OpenAI
 * adapter on the scripted model server over HTTP, one rate-limited call retried, one tool call
 * and a debug bundle. `/metrics` must have values in every new series and pass
 * `promtool check metrics` (Debian's prometheus package).
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { OpenAIAdapter } from "../../../src/adapters/openai/index.js";
import { AgentConfig } from "../../../src/config/index.js";
import { InMemoryMailbox, type MainLoopResult } from "../../../src/runtime/index.js";
import { ScriptedModelServer, turn } from "../../../src/testing/model-server/index.js";
import { createWorker, defineLoop } from "../../../src/worker/index.js";
import { reviewPrompt, validReview } from "../../adapters/openai/fixtures.js";
import { describeRequiring, systemPackages } from "../../support/system-package.js";
import { Question, uniqueName } from "../main-loop/fixtures.js";

/** The value of the first sample of `series` with all of `labels`, or undefined. */
function sample(text: string, series: string, labels: Readonly<Record<string, string>>): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${series}{`) && !line.startsWith(`${series} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

describeRequiring([systemPackages({ prometheus: "promtool" })], "latency and cost metrics", () => {
  it("fills the model, retry, request, tool, cost and bundle series, and promtool accepts /metrics", async () => {
    const server = await ScriptedModelServer.start();
    const bundles = await mkdtemp(join(tmpdir(), "wink-metrics-bundles-"));
    try {
      const qa = defineLoop({
        name: uniqueName("qa-metrics"),
        requestSchema: Question,
        prepare: () => reviewPrompt(),
      });
      const worker = await createWorker({
        config: AgentConfig.fromEnv(
          {
            HEALTH_PORT: "0",
            WAIT_TIME_SECONDS: "0",
            WINK_MAILBOX: `memory://${uniqueName("metrics")}`,
            DEBUG_BUNDLE_PATH: bundles,
          },
          { calibration: "off" },
        ),
        loops: [qa],
        adapter: new OpenAIAdapter({
          model: "gpt-4.1-mini",
          clientOptions: { apiKey: "sk-metrics-test-0123456789abcdef", baseURL: server.openaiBaseUrl },
          throttle: { baseDelayMs: 1, maxDelayMs: 2 },
        }),
        installSignals: false,
      });
      server.enqueue(
        turn.error(429),
        turn.toolCalls([{ id: "c1", name: "lookup_entity", arguments: { entityId: "x" } }], {
          usage: { inputTokens: 1_000, outputTokens: 50 },
        }),
        turn.json(validReview, { usage: { inputTokens: 1_200, outputTokens: 20 } }),
      );
      const replies = new InMemoryMailbox<MainLoopResult<unknown>>({ name: uniqueName("replies") });
      const running = worker.run();
      await worker.group.whenStarted();
      await worker.loops[0]?.requests.send(
        { request: { question: "q" }, requestId: "m-1" },
        { replyTo: replies },
      );
      const [reply] = await replies.receive({ waitTimeSeconds: 10 });
      expect(reply?.body).toMatchObject({ success: true, usage: { inputTokens: 2_200, outputTokens: 70 } });
      const cost = (2_200 * 0.4 + 70 * 1.6) / 1e6;
      expect(reply?.body.costUsd).toBeCloseTo(cost, 12);

      const port = worker.group.healthAddress?.port ?? 0;
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      await worker.group.shutdown();
      await running;

      const model = { adapter: "openai", model: "gpt-4.1-mini" };
      expect(sample(text, "wink_model_call_seconds_count", { ...model, outcome: "ok" })).toBe(2);
      expect(sample(text, "wink_model_retries_total", { adapter: "openai", kind: "rate_limit" })).toBe(1);
      expect(sample(text, "wink_request_seconds_count", { loop: qa.name, outcome: "succeeded" })).toBe(1);
      expect(sample(text, "wink_tool_seconds_count", { tool: "lookup_entity" })).toBe(1);
      expect(sample(text, "wink_cost_usd_total", model)).toBeCloseTo(cost, 12);
      expect(sample(text, "wink_bundle_write_seconds_count", { loop: qa.name, outcome: "ok" })).toBe(1);
      // No request ids as labels: they would make a series per request.
      expect(text).not.toContain("m-1");
      execFileSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    } finally {
      await server.close();
      await rm(bundles, { recursive: true, force: true });
    }
  });
});
