/**
 * Hand-written agent loops, one per SDK: what a developer writes without the library. Each
 * builds the messages, calls the same SDK client (same in-process fetch), parses tool calls,
 * `JSON.parse`s the arguments, calls the handler, appends the results, and parses the final
 * answer. The soak bench subtracts their per-turn time from the adapter's. Given a signal, each
 * request carries it, as a loop that can be cancelled (at shutdown, at a deadline) must.
 */

import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { ResponseInputItem } from "openai/resources/responses/responses";
import { FINAL_OUTPUT, type StaticRequest, TOOL_TURNS, toolCall, toolWork } from "./scenario.js";

/** One evaluation of the soak script, cancellable by `signal` when given; resolves to the parsed final answer. */
export type Baseline = (signal?: AbortSignal) => Promise<unknown>;

/** The SDK's per-request options: no retries, and the signal when there is one. */
function requestOptions(signal: AbortSignal | undefined): { maxRetries: 0; signal?: AbortSignal } {
  return signal === undefined ? { maxRetries: 0 } : { maxRetries: 0, signal };
}

function runTool(name: string, argumentsJson: string): string {
  const params = JSON.parse(argumentsJson) as { limit: number };
  return JSON.stringify(toolWork(name, params));
}

/** Chat Completions by hand. */
export function chatBaseline(client: OpenAI, model: string, request: StaticRequest): Baseline {
  const tools = request.tools.map((tool) => ({ type: "function" as const, function: tool }));
  const responseFormat = {
    type: "json_schema" as const,
    json_schema: { name: "soak", schema: request.outputSchema, strict: false },
  };
  return async (signal) => {
    const messages: ChatCompletionMessageParam[] = [{ role: "system", content: request.system }];
    for (;;) {
      const completion = await client.chat.completions.create(
        { model, messages, tools, response_format: responseFormat },
        requestOptions(signal),
      );
      const message = completion.choices[0]?.message;
      const calls = message?.tool_calls ?? [];
      if (calls.length === 0) return JSON.parse(message?.content ?? "null");
      messages.push({ role: "assistant", content: message?.content ?? null, tool_calls: calls });
      for (const call of calls) {
        if (call.type !== "function") continue;
        messages.push({
          role: "tool",
          tool_call_id: call.id,
          content: runTool(call.function.name, call.function.arguments),
        });
      }
    }
  };
}

/** The Responses API by hand (stateless: the input list is resent every turn). */
export function responsesBaseline(client: OpenAI, model: string, request: StaticRequest): Baseline {
  const tools = request.tools.map((tool) => ({ type: "function" as const, strict: false, ...tool }));
  const text = {
    format: { type: "json_schema" as const, name: "soak", schema: request.outputSchema, strict: false },
  };
  return async (signal) => {
    const input: ResponseInputItem[] = [{ type: "message", role: "system", content: request.system }];
    for (;;) {
      const response = await client.responses.create(
        { model, input, tools, text, store: false },
        requestOptions(signal),
      );
      let called = false;
      for (const item of response.output) {
        if (item.type !== "function_call") continue;
        called = true;
        input.push({
          type: "function_call",
          call_id: item.call_id,
          name: item.name,
          arguments: item.arguments,
        });
        input.push({
          type: "function_call_output",
          call_id: item.call_id,
          output: runTool(item.name, item.arguments),
        });
      }
      if (!called) return JSON.parse(response.output_text);
    }
  };
}

/**
 * The Messages API by hand, with a `final_answer` tool for the structured output. Its words (the
 * opening message, the tool's description) are the adapter's, so that both send the same bytes:
 * the comparison measures what the adapter does, not how long its instructions are.
 */
export function anthropicBaseline(client: Anthropic, model: string, request: StaticRequest): Baseline {
  const tools: Anthropic.Tool[] = [
    ...request.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: { ...tool.parameters, type: "object" as const },
    })),
    {
      name: "final_answer",
      description:
        "Submit your final answer. Call this tool exactly once, when the task is complete, with the answer as its input; " +
        "it must match the input schema. Do not call it together with other tools.",
      input_schema: { ...request.outputSchema, type: "object" as const },
    },
  ];
  return async (signal) => {
    const messages: Anthropic.MessageParam[] = [
      {
        role: "user",
        content: [
          {
            type: "text",
            text: "Carry out the task described in the system prompt. When you are done, call the final_answer tool with your answer.",
          },
        ],
      },
    ];
    for (;;) {
      const message = await client.messages.create(
        { model, max_tokens: 4096, system: request.system, messages, tools },
        requestOptions(signal),
      );
      messages.push({ role: "assistant", content: message.content });
      const results: Anthropic.ToolResultBlockParam[] = [];
      for (const block of message.content) {
        if (block.type !== "tool_use") continue;
        if (block.name === "final_answer") return block.input;
        results.push({
          type: "tool_result",
          tool_use_id: block.id,
          content: JSON.stringify(toolWork(block.name, block.input as { limit: number })),
        });
      }
      messages.push({ role: "user", content: results });
    }
  };
}

/** The in-process loop's baseline: the same script without any SDK or library. */
export function inProcessBaseline(): Baseline {
  const calls = Array.from({ length: TOOL_TURNS }, (_, t) => {
    const call = toolCall(t);
    return { id: call.id, name: call.name, arguments: JSON.stringify(call.arguments) };
  });
  const final = JSON.stringify(FINAL_OUTPUT);
  return async (signal) => {
    const history: { call: string; output: string }[] = [];
    for (let t = 0; ; t++) {
      // An await per turn, as a model call would have.
      await Promise.resolve();
      signal?.throwIfAborted();
      const call = calls[t];
      if (call === undefined) return JSON.parse(final);
      history.push({ call: call.id, output: runTool(call.name, call.arguments) });
    }
  };
}
