/**
 * The hooks the adapter gives Claude Code: `PreToolUse` denies every tool once the deadline passed
 * or the token budget is spent, and `PostToolUse`/`PostToolUseFailure` record each use of Claude
 * Code's own tools (Bash, Read…) as `ToolInvoked`, so metrics and the session ledger see them like
 * WINK tools (which their MCP handlers record). With a template's task completion check and
 * feedback providers, the hooks also carry those (see `guidance.ts`): `PreToolUse` on
 * `StructuredOutput` and `Stop` send an incomplete task back to work, and `PostToolUse` delivers
 * feedback.
 */

import type { HookCallback, HookJSONOutput, Options } from "@anthropic-ai/claude-agent-sdk";
import type { BudgetTracker, TokenUsage } from "../../budget.js";
import type { Clock } from "../../clock.js";
import type { Deadline } from "../../deadline.js";
import { ToolInvoked } from "../../events/index.js";
import { eventId } from "../../ids.js";
import type { Logger } from "../../logging/index.js";
import { redact, redactText } from "../../secrets/index.js";
import type { EvaluateOptions } from "../types.js";
import { type HookGuidance, reviewStop, reviewStructuredOutput, toolFeedback } from "./guidance.js";
import { denialReason, safeJson, truncate } from "./results.js";

/** Name of the in-process MCP server holding the prompt's tools. */
export const MCP_SERVER_NAME = "wink";
/** The tool Claude Code offers for JSON-schema output. */
export const STRUCTURED_OUTPUT_TOOL = "StructuredOutput";
/** How Claude Code names the tools of the `wink` MCP server. */
export const MCP_PREFIX = `mcp__${MCP_SERVER_NAME}__`;

/** One use of a Claude Code tool, as a hook reports it. */
export interface NativeCall {
  readonly name: string;
  readonly input: unknown;
  readonly id: string;
}

/** Inputs of {@link nativeToolRecorder}. */
export interface NativeRecorderInputs {
  readonly adapter: string;
  readonly promptName: string;
  readonly options: EvaluateOptions;
  readonly clock: Clock;
}

/** Records a use of one of Claude Code's own tools as `ToolInvoked` in the session. */
export function nativeToolRecorder(
  inputs: NativeRecorderInputs,
): (call: NativeCall, result: unknown, success: boolean) => void {
  const { adapter, promptName, options, clock } = inputs;
  return (call, result, success) => {
    const text = truncate(redactText(typeof result === "string" ? result : safeJson(result)));
    options.session.dispatch(
      ToolInvoked.create({
        eventId: eventId(),
        createdAt: clock.now().toISOString(),
        adapter,
        sessionId: options.session.sessionId,
        ...(options.runContext ? { runContext: options.runContext } : {}),
        promptName,
        name: call.name,
        // Commands see no credential, but a file the agent may read can still hold one.
        params: redact(call.input),
        result: redact(result),
        success,
        isError: !success,
        message: text,
        renderedOutput: text,
        callId: call.id,
      }),
    );
  };
}

/** What the hooks need from the evaluation. */
export interface ToolHookContext {
  readonly log: Logger;
  readonly beat: () => void;
  readonly deadline: Deadline | undefined;
  readonly tracker: BudgetTracker | undefined;
  readonly evaluationId: string;
  readonly usageSoFar: () => TokenUsage;
  readonly recordNative: (call: NativeCall, result: unknown, success: boolean) => void;
  /** Task completion and feedback, when the template has them. */
  readonly guidance?: HookGuidance | undefined;
}

const isNative = (tool: string): boolean => !tool.startsWith(MCP_PREFIX) && tool !== STRUCTURED_OUTPUT_TOOL;

/** The tool a `PreToolUse`, `PostToolUse` or `PostToolUseFailure` hook reports on. */
interface ToolUseInput {
  readonly tool_name: string;
  readonly tool_input: unknown;
  readonly tool_use_id: string;
}

/** The `hooks` option of the SDK for one evaluation. */
export function toolHooks(ctx: ToolHookContext): NonNullable<Options["hooks"]> {
  const hooks: NonNullable<Options["hooks"]> = {
    PreToolUse: [{ hooks: [preToolUseHook(ctx)] }],
    PostToolUse: [{ hooks: [postToolUseHook(ctx)] }],
    PostToolUseFailure: [{ hooks: [postToolUseFailureHook(ctx)] }],
  };
  const { guidance } = ctx;
  // Only a free-text prompt checks completion on `Stop` (structured output checks it in `PreToolUse`).
  if (guidance?.completion && !guidance.output) hooks.Stop = [{ hooks: [stopHook(guidance, ctx.beat)] }];
  return hooks;
}

/**
 * `PreToolUse`: denies the tool once a limit is reached; otherwise lets it run, after the
 * completion review when it is the `StructuredOutput` call.
 */
function preToolUseHook(ctx: ToolHookContext): HookCallback {
  const { log, beat, deadline, tracker, evaluationId, usageSoFar, guidance } = ctx;
  return async (input) => {
    beat();
    if (input.hook_event_name !== "PreToolUse") return {};
    const reason = denialReason(deadline, tracker, evaluationId, usageSoFar());
    if (reason !== undefined) return denyTool(log, input, reason);
    if (log.isEnabled("debug")) {
      log.debug("hook.pre_tool_use", "Claude Code is about to use a tool.", {
        tool: input.tool_name,
        callId: input.tool_use_id,
      });
    }
    if (guidance && input.tool_name === STRUCTURED_OUTPUT_TOOL) {
      return reviewStructuredOutput(guidance, input.tool_input);
    }
    return {};
  };
}

/** Logs the denial of a tool call and answers `PreToolUse` with it. */
function denyTool(log: Logger, input: ToolUseInput, reason: string): HookJSONOutput {
  // The deployment guide routes SDK hook activity by `hook.*`.
  log.info("hook.pre_tool_use.denied", "Denied a tool call: a limit was reached.", {
    tool: input.tool_name,
    callId: input.tool_use_id,
    reason,
  });
  return {
    hookSpecificOutput: {
      hookEventName: "PreToolUse",
      permissionDecision: "deny",
      permissionDecisionReason: reason,
    },
  };
}

/** `PostToolUse`: records a native tool's use, then delivers the feedback due, if any. */
function postToolUseHook(ctx: ToolHookContext): HookCallback {
  const { log, beat, recordNative, guidance } = ctx;
  return async (input) => {
    beat();
    if (input.hook_event_name !== "PostToolUse") return {};
    if (log.isEnabled("debug")) {
      log.debug("hook.post_tool_use", "Claude Code used a tool.", {
        tool: input.tool_name,
        callId: input.tool_use_id,
      });
    }
    recordIfNative(recordNative, input, input.tool_response, true);
    if (!guidance || input.tool_name === STRUCTURED_OUTPUT_TOOL) return {};
    return toolFeedback(guidance, "PostToolUse");
  };
}

/** `PostToolUseFailure`: records a native tool's failure, then delivers the feedback due, if any. */
function postToolUseFailureHook(ctx: ToolHookContext): HookCallback {
  const { log, beat, recordNative, guidance } = ctx;
  return async (input) => {
    beat();
    if (input.hook_event_name !== "PostToolUseFailure") return {};
    log.info("hook.post_tool_use_failure", "A Claude Code tool failed.", {
      tool: input.tool_name,
      callId: input.tool_use_id,
    });
    recordIfNative(recordNative, input, input.error, false);
    if (!guidance || input.tool_name === STRUCTURED_OUTPUT_TOOL) return {};
    return toolFeedback(guidance, "PostToolUseFailure");
  };
}

/** `Stop`: sends a free-text prompt's incomplete task back to work. */
function stopHook(guidance: HookGuidance, beat: () => void): HookCallback {
  return async (input) => {
    beat();
    if (input.hook_event_name !== "Stop") return {};
    return reviewStop(guidance, input.last_assistant_message);
  };
}

/** Records a use of one of Claude Code's own tools through `recordNative`. */
function recordIfNative(
  recordNative: ToolHookContext["recordNative"],
  input: ToolUseInput,
  result: unknown,
  success: boolean,
): void {
  // WINK tools are recorded by their MCP handlers; only Claude Code's own tools are recorded here.
  if (!isNative(input.tool_name)) return;
  recordNative({ name: input.tool_name, input: input.tool_input, id: input.tool_use_id }, result, success);
}
