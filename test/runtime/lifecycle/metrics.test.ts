import { Registry } from "prom-client";
import { beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/clock.js";
import { InProcessDispatcher } from "../../../src/events/dispatcher.js";
import { MessageHandled, PromptExecuted, ToolInvoked } from "../../../src/events/types.js";
import { MAX_TOOL_LABELS, WinkMetrics } from "../../../src/runtime/lifecycle/metrics.js";
import type { Mailbox } from "../../../src/runtime/mailbox/types.js";
import { captureLogs } from "../../logging/capture.js";
import { FakeLoop } from "./helpers.js";

const common = { eventId: "e-1", createdAt: "2025-01-01T00:00:00.000Z", adapter: "openai" };

function promptExecuted(usage?: { inputTokens?: number; outputTokens?: number }) {
  return PromptExecuted.create({
    ...common,
    promptName: "review",
    result: { promptName: "review" },
    ...(usage ? { usage } : {}),
  });
}

function toolInvoked(name: string, isError: boolean) {
  return ToolInvoked.create({
    ...common,
    promptName: "review",
    name,
    params: {},
    result: { raw: true },
    success: !isError,
    isError,
    message: isError ? "failed" : "ok",
    renderedOutput: "",
  });
}

function messageHandled(
  loop: string,
  outcome: "succeeded" | "failed" | "retried" | "dead_lettered" | "returned",
) {
  return MessageHandled.create({
    loop,
    mailbox: "requests",
    messageId: "m-1",
    outcome,
    deliveryCount: 1,
    durationMs: 5,
    createdAt: common.createdAt,
  });
}

/** Only `name` and `approximateCount` matter to the metrics. */
function mailbox(name: string, count: () => Promise<number>): Mailbox<unknown> {
  const unused = (): never => {
    throw new Error("not used by metrics");
  };
  return {
    name,
    closed: false,
    send: unused,
    receive: unused,
    purge: unused,
    close: unused,
    approximateCount: count,
  };
}

beforeEach(() => {
  captureLogs();
});

describe("WinkMetrics from dispatcher events", () => {
  it("records token histograms and the execution counter for PromptExecuted", async () => {
    const dispatcher = new InProcessDispatcher();
    const metrics = new WinkMetrics();
    metrics.observe(dispatcher);
    dispatcher.dispatch(promptExecuted({ inputTokens: 400, outputTokens: 200 }));
    dispatcher.dispatch(promptExecuted({ inputTokens: 1_200 }));
    const text = await metrics.metrics();
    expect(text).toContain("wink_prompt_executions_total 2");
    expect(text).toContain("wink_prompt_tokens_input_sum 1600");
    expect(text).toContain("wink_prompt_tokens_input_count 2");
    expect(text).toContain('wink_prompt_tokens_input_bucket{le="500"} 1');
    expect(text).toContain("wink_prompt_tokens_output_sum 200");
    expect(text).toContain("wink_prompt_tokens_output_count 1");
  });

  it("counts an execution without usage but skips the token histograms", async () => {
    const dispatcher = new InProcessDispatcher();
    const metrics = new WinkMetrics();
    metrics.observe(dispatcher);
    const result = dispatcher.dispatch(promptExecuted());
    expect(result.ok).toBe(true);
    const text = await metrics.metrics();
    expect(text).toContain("wink_prompt_executions_total 1");
    expect(text).toContain("wink_prompt_tokens_input_count 0");
    expect(text).toContain("wink_prompt_tokens_output_count 0");
  });

  it("counts tool invocations and errors per tool from the normalized isError", async () => {
    const dispatcher = new InProcessDispatcher();
    const metrics = new WinkMetrics();
    metrics.observe(dispatcher);
    dispatcher.dispatch(toolInvoked("lookup_entity", false));
    dispatcher.dispatch(toolInvoked("lookup_entity", true));
    dispatcher.dispatch(toolInvoked("Bash", false));
    const text = await metrics.metrics();
    expect(text).toContain('wink_tool_invocations_total{tool="lookup_entity"} 2');
    expect(text).toContain('wink_tool_invocations_total{tool="Bash"} 1');
    expect(text).toContain('wink_tool_errors_total{tool="lookup_entity"} 1');
    expect(text).not.toContain('wink_tool_errors_total{tool="Bash"}');
  });

  it("caps tool labels: names past MAX_TOOL_LABELS (a model can invent them) count as other", async () => {
    const dispatcher = new InProcessDispatcher();
    const metrics = new WinkMetrics();
    metrics.observe(dispatcher);
    for (let i = 0; i < MAX_TOOL_LABELS + 5; i++) dispatcher.dispatch(toolInvoked(`made_up_${i}`, true));
    dispatcher.dispatch(toolInvoked("made_up_0", false));
    const text = await metrics.metrics();
    expect(text).toContain('wink_tool_invocations_total{tool="made_up_0"} 2');
    expect(text).toContain('wink_tool_invocations_total{tool="other"} 5');
    expect(text).not.toContain(`made_up_${MAX_TOOL_LABELS}"`);
  });

  it("counts handled messages by loop and outcome, with failed and dead-lettered conveniences", async () => {
    const dispatcher = new InProcessDispatcher();
    const metrics = new WinkMetrics();
    metrics.observe(dispatcher);
    for (const outcome of [
      "succeeded",
      "succeeded",
      "failed",
      "retried",
      "dead_lettered",
      "returned",
    ] as const) {
      dispatcher.dispatch(messageHandled("reviews", outcome));
    }
    const text = await metrics.metrics();
    expect(text).toContain('wink_messages_processed_total{loop="reviews",outcome="succeeded"} 2');
    expect(text).toContain('wink_messages_processed_total{loop="reviews",outcome="returned"} 1');
    expect(text).toContain('wink_messages_failed_total{loop="reviews"} 3');
    expect(text).toContain('wink_messages_dead_lettered_total{loop="reviews"} 1');
  });

  it("stops counting after unsubscribe", async () => {
    const dispatcher = new InProcessDispatcher();
    const metrics = new WinkMetrics();
    const stop = metrics.observe(dispatcher);
    stop();
    dispatcher.dispatch(promptExecuted({ inputTokens: 1 }));
    expect(await metrics.metrics()).toContain("wink_prompt_executions_total 0");
    expect(dispatcher.handlerCount(PromptExecuted)).toBe(0);
  });

  it("uses a private registry and a configurable prefix", async () => {
    const registry = new Registry();
    const metrics = new WinkMetrics({ prefix: "agent_", registry });
    expect(metrics.registry).toBe(registry);
    expect(metrics.contentType).toContain("text/plain");
    const text = await registry.metrics();
    expect(text).toContain("agent_prompt_executions_total 0");
    expect(text).not.toContain("wink_");
    // Two instances never collide: each has its own registry by default.
    expect(() => [new WinkMetrics(), new WinkMetrics()]).not.toThrow();
  });
});

describe("WinkMetrics gauges collected at scrape", () => {
  it("reports each watched loop's heartbeat age in seconds", async () => {
    const clock = new FakeClock();
    const loop = new FakeLoop("reviews", { clock });
    const metrics = new WinkMetrics();
    metrics.watch({ loops: [loop] });
    clock.advance(2_500);
    expect(await metrics.metrics()).toContain('wink_loop_heartbeat_age_seconds{loop="reviews"} 2.5');
    loop.heartbeat.beat();
    expect(await metrics.metrics()).toContain('wink_loop_heartbeat_age_seconds{loop="reviews"} 0');
  });

  it("reports worker_ready as 1 or 0 from the readiness check, and 0 when it throws", async () => {
    const logs = captureLogs();
    let ready: boolean | "throw" = true;
    const metrics = new WinkMetrics();
    expect(await metrics.metrics()).toContain("wink_worker_ready 0");
    metrics.watch({
      loops: [],
      ready: () => {
        if (ready === "throw") throw new Error("check broke");
        return ready;
      },
    });
    expect(await metrics.metrics()).toContain("wink_worker_ready 1");
    ready = false;
    expect(await metrics.metrics()).toContain("wink_worker_ready 0");
    ready = "throw";
    expect(await metrics.metrics()).toContain("wink_worker_ready 0");
    expect(logs.records().map((r) => r.event)).toContain("metrics.readiness_failed");
  });

  it("reports each request mailbox's depth once, skipping and logging one that fails to count", async () => {
    const logs = captureLogs();
    const shared = mailbox("reviews", async () => 7);
    const broken = mailbox("audits", async () => {
      throw new Error("redis down");
    });
    const metrics = new WinkMetrics();
    metrics.watch({
      loops: [
        new FakeLoop("a", { requests: shared }),
        new FakeLoop("b", { requests: shared }),
        new FakeLoop("c", { requests: broken }),
        new FakeLoop("d"),
      ],
    });
    const text = await metrics.metrics();
    expect(text).toContain('wink_mailbox_depth{mailbox="reviews"} 7');
    expect(text).not.toContain('mailbox="audits"');
    const failure = logs.records().find((r) => r.event === "metrics.mailbox_depth_failed");
    expect(failure?.context).toMatchObject({ mailbox: "audits" });
  });

  it("forgets a source after unwatch", async () => {
    const metrics = new WinkMetrics();
    const unwatch = metrics.watch({ loops: [new FakeLoop("gone")], ready: () => true });
    unwatch();
    const text = await metrics.metrics();
    expect(text).not.toContain('loop="gone"');
    expect(text).toContain("wink_worker_ready 0");
  });
});
