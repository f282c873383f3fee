/**
 * The telemetry events adapters publish on a session's dispatcher. Subscribe to them for metrics,
 * audit logs or debug bundles; sessions record them in their history (LOG) slices.
 */

import { z } from "zod";
import { TokenUsageSchema } from "../budget.js";
import { defineType } from "../data-type.js";
import { RunContextSchema } from "../run-context.js";

const common = {
  /** Unique id of this event. */
  eventId: z.string(),
  /** ISO-8601 UTC time the event was created. */
  createdAt: z.string(),
  /** Id of the session the evaluation ran in. */
  sessionId: z.string().optional(),
  /** Correlation ids of the execution. */
  runContext: RunContextSchema.optional(),
  /** Which adapter produced the event (`openai`, `anthropic`, `claude_agent_sdk`, ...). */
  adapter: z.string(),
};

/** A prompt was rendered, just before the first provider call. */
export const PromptRendered = defineType(
  "PromptRendered",
  z.object({
    ...common,
    promptNs: z.string(),
    promptKey: z.string(),
    promptName: z.string().optional(),
    /** The bound parameters, by section key. */
    renderInputs: z.record(z.string(), z.unknown()),
    renderedPrompt: z.string(),
    /** Content hashes of the rendered sections and tools (for overrides), when known. */
    descriptor: z.unknown().optional(),
  }),
);

/** The typed result of one evaluation. */
export const PromptResponseSchema = z.object({
  promptName: z.string(),
  text: z.string().optional(),
  output: z.unknown().optional(),
});

/** An evaluation finished: tools done and output parsed. */
export const PromptExecuted = defineType(
  "PromptExecuted",
  z.object({
    ...common,
    promptName: z.string(),
    result: PromptResponseSchema,
    /** Cumulative usage of the evaluation; absent when the provider reported none. */
    usage: TokenUsageSchema.optional(),
    /** What the evaluation cost in US dollars; absent when the model has no known price. */
    costUsd: z.number().nonnegative().optional(),
    /** The model id the adapter called, when it names one. */
    model: z.string().optional(),
  }),
);

/**
 * A tool ran (a WINK tool, or a harness-native tool such as Claude Code's Bash). `success` and
 * `isError` are always set, whatever shape `result` has, so metrics never need to inspect it.
 */
export const ToolInvoked = defineType(
  "ToolInvoked",
  z.object({
    ...common,
    promptName: z.string(),
    /** Tool name as the model saw it. */
    name: z.string(),
    params: z.unknown(),
    /** The raw result: a ToolResult for WINK tools, the harness's own payload for native tools. */
    result: z.unknown(),
    success: z.boolean(),
    /** Always `!success`. */
    isError: z.boolean(),
    /** The message the model was shown. */
    message: z.string(),
    /** What was sent back to the model, truncated for native tools. */
    renderedOutput: z.string(),
    /** Provider id of the tool call, when it has one. */
    callId: z.string().optional(),
    usage: TokenUsageSchema.optional(),
    /** How long the policies and the handler took (ms), for calls the executor ran. */
    durationMs: z.number().optional(),
  }),
);

/**
 * A loop finished handling one queue message. `outcome`: `succeeded` (replied and acknowledged),
 * `failed` (error reply, acknowledged), `retried` (nacked with backoff for another delivery),
 * `dead_lettered` (sent to the DLQ), `returned` (nacked unstarted during shutdown).
 */
export const MessageHandled = defineType(
  "MessageHandled",
  z.object({
    loop: z.string(),
    mailbox: z.string(),
    messageId: z.string(),
    requestId: z.string().optional(),
    outcome: z.enum(["succeeded", "failed", "retried", "dead_lettered", "returned"]),
    deliveryCount: z.number().int().positive(),
    durationMs: z.number().nonnegative(),
    errorType: z.string().optional(),
    createdAt: z.string(),
  }),
);
