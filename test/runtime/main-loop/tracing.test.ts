/**
 * OpenTelemetry spans of a request, end to end: a MainLoop with the OpenAI adapter (the real
 * client against the scripted model server) under an in-memory span exporter. The tree is
 * `wink.request` → `invoke_agent` → `chat` (per model call) and `execute_tool` (per tool call),
 * in the envelope's trace; spans carry the GenAI attributes; log records carry the span ids.
 */
import { afterEach, expect, it } from "vitest";
import { z } from "zod";
import { OpenAIAdapter } from "../../../src/adapters/openai/index.js";
import { resetLogging } from "../../../src/logging/index.js";
import { InMemoryMailbox, MainLoop, type MainLoopResult } from "../../../src/runtime/index.js";
import { ScriptedModelServer, turn } from "../../../src/testing/model-server/index.js";
import { reviewPrompt, validReview } from "../../adapters/openai/fixtures.js";
import { captureLogs } from "../../logging/capture.js";
import { registerTracing, unregisterTracing } from "../../telemetry/support.js";
import { uniqueName } from "./fixtures.js";

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const SENDER_SPAN = "b7ad6b7169203331";

afterEach(() => {
  unregisterTracing();
  resetLogging();
});

it("makes the request → evaluation → model call / tool call span tree in the envelope's trace", async () => {
  const tracing = registerTracing();
  const logs = captureLogs({ level: "info" });
  const server = await ScriptedModelServer.start();
  try {
    server.enqueue(
      turn.toolCalls([{ id: "call_1", name: "lookup_entity", arguments: { entityId: "e-1" } }], {
        usage: { inputTokens: 100, outputTokens: 10 },
      }),
      turn.json(validReview, { usage: { inputTokens: 150, outputTokens: 20 } }),
    );
    const requests = new InMemoryMailbox<unknown, MainLoopResult<unknown>>({ name: uniqueName("traced") });
    const replies = new InMemoryMailbox<MainLoopResult<unknown>>({ name: uniqueName("traced-replies") });
    const loop = new MainLoop({
      name: "traced",
      adapter: new OpenAIAdapter({
        model: "gpt-4.1-mini",
        clientOptions: { apiKey: "sk-trace-test-0123456789abcdef", baseURL: server.openaiBaseUrl },
      }),
      requests,
      requestSchema: z.object({}),
      prepare: () => reviewPrompt(),
      config: { waitTimeSeconds: 0 },
    });
    await requests.send(
      { request: {}, requestId: "trace-1", runContext: { traceId: TRACE_ID, spanId: SENDER_SPAN } },
      { replyTo: replies },
    );
    await loop.run({ maxIterations: 1 });
    const [reply] = await replies.receive({ waitTimeSeconds: 0 });
    expect(reply?.body).toMatchObject({ success: true });

    const request = tracing.span("wink.request");
    const agent = tracing.span("invoke_agent tests/openai/review");
    const tool = tracing.span("execute_tool lookup_entity");
    const chats = tracing.spans().filter((s) => s.name === "chat gpt-4.1-mini");
    expect(chats).toHaveLength(2);
    // One trace, the envelope's; each span under the one above it.
    for (const span of [request, agent, tool, ...chats]) expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(request.parentSpanContext?.spanId).toBe(SENDER_SPAN);
    expect(agent.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(tool.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
    for (const chat of chats) expect(chat.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);

    expect(request.attributes).toMatchObject({
      "wink.loop": "traced",
      "wink.request_id": "trace-1",
      "wink.attempt": 1,
    });
    expect(request.attributes["wink.cost_usd"]).toBeCloseTo((250 * 0.4 + 30 * 1.6) / 1e6, 12);
    expect(agent.attributes).toMatchObject({
      "gen_ai.operation.name": "invoke_agent",
      "wink.prompt": "tests/openai/review",
      "gen_ai.agent.name": "tests/openai/review",
      "gen_ai.usage.input_tokens": 250,
      "gen_ai.usage.output_tokens": 30,
    });
    expect(chats[0]?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.system": "openai",
      "gen_ai.request.model": "gpt-4.1-mini",
      "gen_ai.usage.input_tokens": 100,
      "gen_ai.usage.output_tokens": 10,
      "gen_ai.response.finish_reasons": ["tool_calls"],
    });
    expect(chats[1]?.attributes["gen_ai.response.finish_reasons"]).toEqual(["stop"]);
    expect(tool.attributes).toMatchObject({
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": "lookup_entity",
      "gen_ai.tool.call.id": "call_1",
    });

    // The evaluation's log line names the trace and the evaluation's span.
    const complete = logs.records().find((r) => r.event === "adapter.evaluate.complete");
    expect(complete?.context).toMatchObject({ traceId: TRACE_ID, spanId: agent.spanContext().spanId });
  } finally {
    await server.close();
  }
});

it("marks a failed evaluation's spans with the error, redacted", async () => {
  const tracing = registerTracing();
  const server = await ScriptedModelServer.start();
  try {
    server.enqueue(
      turn.error(400, { body: { error: { message: "bad key sk-proj-SECRETSECRETSECRET0123" } } }),
    );
    const adapter = new OpenAIAdapter({
      model: "gpt-4.1-mini",
      clientOptions: { apiKey: "sk-trace-test-0123456789abcdef", baseURL: server.openaiBaseUrl },
    });
    const { Session } = await import("../../../src/session/index.js");
    await expect(adapter.evaluate(reviewPrompt(), { session: new Session() })).rejects.toThrow();
    const agent = tracing.span("invoke_agent tests/openai/review");
    const chat = tracing.span("chat gpt-4.1-mini");
    for (const span of [agent, chat]) {
      expect(span.status.code).toBe(2);
      expect(JSON.stringify(span.events)).not.toContain("SECRETSECRETSECRET");
    }
    expect(chat.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
  } finally {
    await server.close();
  }
});
