/**
 * Reasoning options: OpenAI `reasoningEffort` on both APIs (with the Responses API's encrypted
 * reasoning items resent as received), Anthropic extended `thinking` (thinking blocks kept in the
 * conversation, never in the answer). Real SDK clients; a `fetch` that answers in-process plays the
 * provider where the scripted server has no reasoning output, and records what was sent.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { AnthropicAdapter } from "../../src/adapters/anthropic/index.js";
import { OpenAIAdapter } from "../../src/adapters/openai/index.js";
import { Session } from "../../src/session/index.js";
import { answerPrompt } from "./anthropic/fixtures.js";
import { reviewPrompt, validReview } from "./openai/fixtures.js";

type Json = Record<string, unknown>;

/** A fetch answering each request with the next of `replies`, recording the bodies. */
function scriptedFetch(replies: readonly Json[]) {
  const bodies: Json[] = [];
  let next = 0;
  const fetchImpl = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    bodies.push(JSON.parse(String(init?.body)) as Json);
    const reply = replies[next++];
    return new Response(JSON.stringify(reply), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  };
  return { fetch: fetchImpl as typeof fetch, bodies };
}

const responseOf = (output: Json[]): Json => ({
  id: `resp_${output.length}`,
  object: "response",
  created_at: 1,
  status: "completed",
  model: "o4-mini",
  output,
  usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
});

describe("OpenAI reasoningEffort", () => {
  it("sends reasoning_effort on Chat Completions", async () => {
    const wire = scriptedFetch([
      {
        id: "c1",
        object: "chat.completion",
        created: 1,
        model: "o4-mini",
        choices: [
          {
            index: 0,
            finish_reason: "stop",
            message: { role: "assistant", content: JSON.stringify(validReview) },
          },
        ],
      },
    ]);
    const client = new OpenAI({
      apiKey: "sk-reason-0123456789abcdef",
      baseURL: "http://reasoning.invalid/v1",
      fetch: wire.fetch,
    });
    await new OpenAIAdapter({ model: "o4-mini", api: "chat", client, reasoningEffort: "low" }).evaluate(
      reviewPrompt(),
      {
        session: new Session(),
      },
    );
    expect(wire.bodies[0]?.reasoning_effort).toBe("low");
  });

  it("asks the Responses API for encrypted reasoning and resends the reasoning items as received", async () => {
    const reasoning = { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "gAAAA-opaque" };
    const wire = scriptedFetch([
      responseOf([
        reasoning,
        {
          type: "function_call",
          id: "fc_1",
          call_id: "call_1",
          name: "lookup_entity",
          arguments: '{"entityId":"e"}',
        },
      ]),
      responseOf([
        {
          type: "message",
          id: "m_1",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: JSON.stringify(validReview), annotations: [] }],
        },
      ]),
    ]);
    const client = new OpenAI({
      apiKey: "sk-reason-0123456789abcdef",
      baseURL: "http://reasoning.invalid/v1",
      fetch: wire.fetch,
    });
    const response = await new OpenAIAdapter({ model: "o4-mini", client, reasoningEffort: "high" }).evaluate(
      reviewPrompt(),
      { session: new Session() },
    );
    expect(response.output).toEqual(validReview);
    expect(wire.bodies[0]).toMatchObject({
      reasoning: { effort: "high" },
      include: ["reasoning.encrypted_content"],
    });
    const input = wire.bodies[1]?.input as Json[];
    expect(input.find((item) => item.type === "reasoning")).toEqual(reasoning);
  });

  it("refuses an unknown effort, naming the choices", () => {
    expect(
      () =>
        new OpenAIAdapter({
          model: "o4-mini",
          reasoningEffort: "max" as "high",
          clientOptions: { apiKey: "sk-x-0123456789abcdef" },
        }),
    ).toThrow(/reasoningEffort.*"minimal", "low", "medium" or "high"/);
  });
});

describe("Anthropic extended thinking", () => {
  const message = (content: Json[], stop: string): Json => ({
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-6",
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5 },
  });

  it("requests thinking, keeps thinking blocks in the conversation, and keeps them out of the answer", async () => {
    const thinking = {
      type: "thinking",
      thinking: "The user wants entity 42; look it up.",
      signature: "sig-abc",
    };
    const wire = scriptedFetch([
      message(
        [thinking, { type: "tool_use", id: "toolu_1", name: "lookup", input: { id: "42" } }],
        "tool_use",
      ),
      message(
        [
          { type: "redacted_thinking", data: "opaque" },
          {
            type: "tool_use",
            id: "toolu_2",
            name: "final_answer",
            input: { answer: "entity 42", confidence: 0.9 },
          },
        ],
        "tool_use",
      ),
    ]);
    const client = new Anthropic({
      apiKey: "sk-ant-api03-thinking0123456789",
      baseURL: "http://thinking.invalid",
      fetch: wire.fetch,
    });
    const session = new Session();
    const response = await new AnthropicAdapter({
      model: "claude-sonnet-4-6",
      client,
      env: {},
      maxTokens: 8_000,
      thinking: { budgetTokens: 2_048 },
    }).evaluate(answerPrompt(), { session });

    expect(response.output).toEqual({ answer: "entity 42", confidence: 0.9 });
    expect(response.text ?? "").not.toContain("look it up");
    expect(wire.bodies[0]?.thinking).toEqual({ type: "enabled", budget_tokens: 2_048 });
    // The assistant turn is resent with its thinking block first, signature intact.
    const messages = wire.bodies[1]?.messages as { role: string; content: Json[] }[];
    const assistant = messages.find((m) => m.role === "assistant");
    expect(assistant?.content[0]).toEqual(thinking);
  });

  it("refuses a budget below 1,024 or not below maxTokens, and a temperature other than 1", () => {
    const make = (options: Partial<ConstructorParameters<typeof AnthropicAdapter>[0]>) => () =>
      new AnthropicAdapter({
        model: "claude-sonnet-4-6",
        env: {},
        bedrock: false,
        maxTokens: 4_096,
        ...options,
      });
    expect(make({ thinking: { budgetTokens: 512 } })).toThrow(/thinking\.budgetTokens.*1024/);
    expect(make({ thinking: { budgetTokens: 4_096 } })).toThrow(/below maxTokens \(4096\)/);
    expect(make({ thinking: { budgetTokens: 2_048 }, temperature: 0.2 })).toThrow(/temperature/);
    expect(make({ thinking: { budgetTokens: 2_048 } })).not.toThrow();
  });
});
