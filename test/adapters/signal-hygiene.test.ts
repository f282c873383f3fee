/**
 * Abort signals across many requests: whatever signal the caller gives an evaluation (a worker's
 * shutdown signal that lives for weeks, a deadline spanning many turns, or none), provider
 * requests get a child signal of the evaluation, and every listener an SDK adds to it is removed
 * when its request settles. SDKs add an abort listener per request to the signal they are handed
 * (the `openai` client never removes it), so a signal kept across requests would otherwise grow
 * by one listener and its request's closure per request.
 * These tests go through the real `openai` and `@anthropic-ai/sdk` clients over HTTP against the
 * scripted model server.
 */
import { getEventListeners } from "node:events";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AnthropicAdapter } from "../../src/adapters/anthropic/index.js";
import { EvaluationSignal } from "../../src/adapters/evaluation-signal.js";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import type { ProviderAdapter } from "../../src/adapters/types.js";
import { Deadline } from "../../src/deadline.js";
import { MarkdownSection, Prompt, PromptTemplate, Tool, ToolResult } from "../../src/prompt/index.js";
import { Session } from "../../src/session/index.js";
import { InProcessAdapter, InProcessModel } from "../../src/testing/in-process-model.js";
import { ScriptedModelServer, type ScriptedTurn, turn } from "../../src/testing/model-server/index.js";
import { lookup, reviewPrompt, validReview } from "./openai/fixtures.js";

type Flavour = "openai-chat" | "openai-responses" | "openai-chat-stream" | "anthropic";

interface Harness {
  readonly adapter: ProviderAdapter;
  /** Every signal the adapter handed to the SDK, in request order. */
  readonly signals: AbortSignal[];
}

function harness(flavour: Flavour, server: ScriptedModelServer): Harness {
  const signals: AbortSignal[] = [];
  const record = (options: unknown): void => {
    const signal = (options as { signal?: AbortSignal } | undefined)?.signal;
    if (signal) signals.push(signal);
  };
  if (flavour === "anthropic") {
    const client = new Anthropic({ apiKey: "sk-ant-test", baseURL: server.anthropicBaseUrl, maxRetries: 0 });
    const create = client.messages.create.bind(client.messages);
    vi.spyOn(client.messages, "create").mockImplementation(((body: never, options: never) => {
      record(options);
      return create(body, options);
    }) as never);
    return {
      adapter: new AnthropicAdapter({ model: "claude-test", client, bedrock: false, env: {} }),
      signals,
    };
  }
  const client = new OpenAI({ apiKey: "sk-test", baseURL: server.openaiBaseUrl, maxRetries: 0 });
  const stream = flavour === "openai-chat-stream";
  const api = flavour === "openai-responses" ? "responses" : "chat";
  const target = api === "chat" ? client.chat.completions : client.responses;
  const method = stream ? "stream" : "create";
  const original = (target[method] as (...args: unknown[]) => unknown).bind(target);
  vi.spyOn(target, method).mockImplementation(((body: unknown, options: unknown) => {
    record(options);
    return original(body, options);
  }) as never);
  return { adapter: new OpenAIAdapter({ model: "gpt-test", api, client, stream }), signals };
}

/** Turns for one evaluation: `tools` tool turns, then the final answer in the flavour's form. */
function evaluationTurns(flavour: Flavour, tools: number): ScriptedTurn[] {
  const calls = Array.from({ length: tools }, (_, i) =>
    turn.toolCalls([{ id: `call_${i}`, name: lookup.name, arguments: { entityId: `e-${i}` } }]),
  );
  const final =
    flavour === "anthropic"
      ? turn.toolCalls([{ id: "toolu_final", name: "final_answer", arguments: validReview }])
      : turn.json(validReview);
  return [...calls, final];
}

const listeners = (signal: AbortSignal): number => getEventListeners(signal, "abort").length;
/** Listeners on an evaluation's signal other than its own (which holds those of the evaluation). */
const strangers = (signal: AbortSignal): number =>
  getEventListeners(signal, "abort").filter((listener) => !(listener instanceof EvaluationSignal)).length;

/** Process warnings (such as `MaxListenersExceededWarning`) emitted until `stop()`. */
function collectWarnings(): { stop(): string[] } {
  const seen: string[] = [];
  const onWarning = (warning: Error): void => {
    seen.push(`${warning.name}: ${warning.message}`);
  };
  process.on("warning", onWarning);
  return {
    stop() {
      process.off("warning", onWarning);
      return seen;
    },
  };
}

describe.each<Flavour>(["openai-chat", "openai-responses", "openai-chat-stream", "anthropic"])(
  "abort signals through the real SDK (%s)",
  (flavour) => {
    let server: ScriptedModelServer;
    beforeEach(async () => {
      server = await ScriptedModelServer.start();
    });
    afterEach(async () => {
      vi.restoreAllMocks();
      await server.close();
    });

    it("leaves no listener on a long-lived caller signal after many evaluations", async () => {
      const { adapter, signals } = harness(flavour, server);
      const shutdown = new AbortController();
      for (let i = 0; i < 8; i++) {
        server.enqueue(...evaluationTurns(flavour, 2));
        const response = await adapter.evaluate(reviewPrompt(), {
          session: new Session(),
          signal: shutdown.signal,
        });
        expect(response.output).toEqual(validReview);
      }
      expect(signals).toHaveLength(24);
      expect(listeners(shutdown.signal)).toBe(0);
      expect(signals).not.toContain(shutdown.signal);
      // One evaluation after another: the same signal, so the SDK's code sees one shape.
      expect(new Set(signals).size).toBe(1);
      for (const signal of new Set(signals)) expect(strangers(signal)).toBe(0);
    });

    it("hands requests that nothing can cancel no signal, so the SDK attaches nothing", async () => {
      const { adapter, signals } = harness(flavour, server);
      for (let i = 0; i < 6; i++) {
        server.enqueue(...evaluationTurns(flavour, 1));
        const response = await adapter.evaluate(reviewPrompt(), { session: new Session() });
        expect(response.output).toEqual(validReview);
      }
      expect(signals).toEqual([]);
    });

    it("leaves no listener on the requests' signal after many turns under one deadline", async () => {
      const { adapter, signals } = harness(flavour, server);
      server.enqueue(...evaluationTurns(flavour, 14));
      const shutdown = new AbortController();
      const warnings = collectWarnings();
      await adapter.evaluate(reviewPrompt(), {
        session: new Session(),
        signal: shutdown.signal,
        deadline: Deadline.after(60_000),
      });
      expect(signals).toHaveLength(15);
      expect(signals).not.toContain(shutdown.signal);
      for (const signal of new Set(signals)) expect(strangers(signal)).toBe(0);
      expect(listeners(shutdown.signal)).toBe(0);
      expect(warnings.stop()).toEqual([]);
    });

    it("still aborts the in-flight request when the caller's signal aborts", async () => {
      const { adapter } = harness(flavour, server);
      server.enqueue(turn.hang());
      const shutdown = new AbortController();
      const evaluation = adapter.evaluate(reviewPrompt(), {
        session: new Session(),
        signal: shutdown.signal,
      });
      await server.waitForRequests(1);
      shutdown.abort(new Error("worker shutting down"));
      await expect(evaluation).rejects.toThrow("worker shutting down");
      await server.waitForAbort();
      expect(listeners(shutdown.signal)).toBe(0);
    });

    it("gives the evaluation after an aborted one a signal that has not aborted", async () => {
      const { adapter, signals } = harness(flavour, server);
      server.enqueue(turn.hang());
      const first = new AbortController();
      const evaluation = adapter.evaluate(reviewPrompt(), { session: new Session(), signal: first.signal });
      await server.waitForRequests(1);
      first.abort(new Error("first evaluation cancelled"));
      await expect(evaluation).rejects.toThrow("first evaluation cancelled");
      await server.waitForAbort();

      server.enqueue(...evaluationTurns(flavour, 1));
      const next = new AbortController();
      const response = await adapter.evaluate(reviewPrompt(), {
        session: new Session(),
        signal: next.signal,
      });
      expect(response.output).toEqual(validReview);
      expect(signals).toHaveLength(3);
      expect(signals[0]?.aborted).toBe(true);
      expect(signals[1]).not.toBe(signals[0]);
      expect(signals[1]?.aborted).toBe(false);
    });
  },
);

describe("abort signals on the retry path", () => {
  let server: ScriptedModelServer;
  beforeEach(async () => {
    server = await ScriptedModelServer.start();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await server.close();
  });

  it("leaves no listener on the caller's signal after throttled retries", async () => {
    const { adapter, signals } = harness("openai-chat", server);
    const throttled = new OpenAIAdapter({
      model: "gpt-test",
      api: "chat",
      client: (adapter as OpenAIAdapter).client,
      throttle: { baseDelayMs: 1, maxDelayMs: 1 },
    });
    const shutdown = new AbortController();
    for (let i = 0; i < 4; i++) {
      server.enqueue(turn.error(429), turn.error(503), ...evaluationTurns("openai-chat", 1));
      await throttled.evaluate(reviewPrompt(), { session: new Session(), signal: shutdown.signal });
    }
    expect(signals).toHaveLength(16);
    for (const signal of new Set(signals)) expect(strangers(signal)).toBe(0);
    expect(listeners(shutdown.signal)).toBe(0);
  });
});

describe("abort signals of tool calls", () => {
  function toolPrompt(handler: (signal: AbortSignal) => Promise<void> | void) {
    const probe = new Tool({
      name: "probe",
      description: "Records the signal it is given.",
      params: z.object({}),
      handler: async (_params, context) => {
        await handler(context.signal);
        return ToolResult.ok(undefined, "probed");
      },
    });
    const template = new PromptTemplate({
      ns: "tests/signals",
      key: "tools",
      sections: [new MarkdownSection({ key: "task", title: "Task", template: "Probe.", tools: [probe] })],
    });
    return new Prompt(template);
  }
  const probeTurns = (count: number) => [
    ...Array.from({ length: count }, (_, i) => ({
      toolCalls: [{ id: `p${i}`, name: "probe", arguments: "{}" }],
    })),
    { text: "done" },
  ];

  it("gives each call a signal of its own and leaves nothing on the caller's signal", async () => {
    const seen: AbortSignal[] = [];
    const prompt = toolPrompt((signal) => {
      // What a tool that calls an SDK does to the signal it is given.
      signal.addEventListener("abort", () => {});
      seen.push(signal);
    });
    const shutdown = new AbortController();
    const adapter = new InProcessAdapter(new InProcessModel(probeTurns(12)));
    await adapter.evaluate(prompt, { session: new Session(), signal: shutdown.signal });
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    expect(listeners(shutdown.signal)).toBe(0);
  });

  it("aborts a running tool's signal when the caller's signal aborts", async () => {
    const shutdown = new AbortController();
    let reason: unknown;
    const prompt = toolPrompt(
      (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener("abort", () => {
            reason = signal.reason;
            resolve();
          });
          shutdown.abort(new Error("stop"));
        }),
    );
    const adapter = new InProcessAdapter(new InProcessModel(probeTurns(1)));
    await expect(
      adapter.evaluate(prompt, { session: new Session(), signal: shutdown.signal }),
    ).rejects.toThrow("stop");
    expect((reason as Error).message).toBe("stop");
  });
});
