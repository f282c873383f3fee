import { describe, expect, it } from "vitest";
import { z } from "zod";
import { toJsonSchema } from "../../../src/schema.js";
import { turn } from "../../../src/testing/model-server/index.js";
import { anthropic, openai, serve } from "./helpers.js";

const Lookup = z.object({ entityId: z.string().min(3), depth: z.number().int().min(2).max(5) });
const Count = z.object({ items: z.array(z.enum(["a", "b"])).min(2), strict: z.boolean() });
const Review = z.object({
  summary: z.string().min(10),
  severity: z.enum(["low", "high"]),
  issues: z.array(z.object({ line: z.number().int().positive(), note: z.string() })).min(1),
  reviewer: z.email(),
});

const lookupSchema = toJsonSchema(Lookup);
const countSchema = toJsonSchema(Count);
const reviewSchema = toJsonSchema(Review);

describe("ScriptedModelServer: policy mode", () => {
  it("OpenAI chat: calls each offered tool once with valid arguments, then answers schema-valid JSON", async () => {
    const server = await serve({ policy: true });
    const client = openai(server);
    const tools = [
      { type: "function" as const, function: { name: "lookup", parameters: lookupSchema } },
      { type: "function" as const, function: { name: "count", parameters: countSchema } },
      { type: "function" as const, function: { name: "open_sections", parameters: { type: "object" } } },
    ];
    const response_format = {
      type: "json_schema" as const,
      json_schema: { name: "review", schema: reviewSchema },
    };
    const conversation: Parameters<typeof client.chat.completions.create>[0]["messages"] = [
      { role: "user", content: "Review" },
    ];
    const first = await client.chat.completions.create({
      model: "m",
      messages: conversation,
      tools,
      response_format,
    });
    const calls = first.choices[0]?.message.tool_calls ?? [];
    expect(calls.map((c) => c.type === "function" && c.function.name)).toEqual(["lookup", "count"]);
    const [lookupCall, countCall] = calls.map((c) =>
      c.type === "function" ? JSON.parse(c.function.arguments) : null,
    );
    expect(Lookup.parse(lookupCall)).toEqual(lookupCall);
    expect(Count.parse(countCall)).toEqual(countCall);

    conversation.push(first.choices[0]!.message);
    for (const call of calls) conversation.push({ role: "tool", tool_call_id: call.id, content: "{}" });
    const second = await client.chat.completions.create({
      model: "m",
      messages: conversation,
      tools,
      response_format,
    });
    expect(second.choices[0]?.message.tool_calls).toBeUndefined();
    const output = JSON.parse(second.choices[0]?.message.content ?? "null");
    expect(Review.safeParse(output).success).toBe(true);
  });

  it("OpenAI responses: follows input items and previous_response_id, then answers text.format JSON", async () => {
    const server = await serve({ mode: "policy" });
    const client = openai(server);
    const tools = [{ type: "function" as const, name: "lookup", parameters: lookupSchema, strict: true }];
    const text = { format: { type: "json_schema" as const, name: "review", schema: reviewSchema } };
    const first = await client.responses.create({ model: "m", input: "Review", tools, text });
    const call = first.output.find((item) => item.type === "function_call");
    expect(call?.name).toBe("lookup");
    expect(Lookup.safeParse(JSON.parse(call?.arguments ?? "")).success).toBe(true);

    // Server-side conversation state: the policy knows the tool was already called.
    const chained = await client.responses.create({
      model: "m",
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call?.call_id ?? "", output: "{}" }],
      tools,
      text,
    });
    expect(Review.safeParse(JSON.parse(chained.output_text)).success).toBe(true);

    // Full-history style: the function_call item is in the input.
    const full = await client.responses.create({
      model: "m",
      input: [
        { role: "user", content: "Review" },
        { type: "function_call", call_id: "c1", name: "lookup", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: "{}" },
      ],
      tools,
    });
    expect(full.output_text).toBe("Done.");
  });

  it("Anthropic: calls tools, then the final-output tool, then says Done.", async () => {
    const server = await serve({ policy: { finalToolName: "emit_review" } });
    const client = anthropic(server);
    const tools = [
      { name: "lookup", input_schema: lookupSchema as { type: "object" } },
      { name: "emit_review", input_schema: reviewSchema as { type: "object" } },
      { name: "read_section", input_schema: { type: "object" as const } },
    ];
    const messages: Parameters<typeof client.messages.create>[0]["messages"] = [
      { role: "user", content: "Review" },
    ];
    const step = async () => {
      const reply = await client.messages.create({ model: "m", max_tokens: 512, messages, tools });
      messages.push({ role: "assistant", content: reply.content });
      const results = reply.content.flatMap((block) =>
        block.type === "tool_use"
          ? [{ type: "tool_result" as const, tool_use_id: block.id, content: "ok" }]
          : [],
      );
      if (results.length > 0) messages.push({ role: "user", content: results });
      return reply;
    };
    const first = await step();
    expect(first.content.map((b) => b.type === "tool_use" && b.name)).toEqual(["lookup"]);
    const second = await step();
    const final = second.content[0];
    expect(final?.type === "tool_use" && final.name).toBe("emit_review");
    expect(Review.safeParse(final?.type === "tool_use" ? final.input : null).success).toBe(true);
    const third = await step();
    expect(third.content).toEqual([{ type: "text", text: "Done." }]);
  });

  it("Anthropic with MCP tools: calls only mcp__ tools, never the CLI's built-ins, then StructuredOutput", async () => {
    const server = await serve({ policy: true });
    const stream = anthropic(server).messages.stream({
      model: "m",
      max_tokens: 512,
      messages: [{ role: "user", content: "Review" }],
      tools: [
        { name: "Bash", input_schema: { type: "object", properties: { command: { type: "string" } } } },
        { name: "mcp__wink__lookup", input_schema: lookupSchema as { type: "object" } },
        { name: "mcp__wink__open_sections", input_schema: { type: "object" } },
        { name: "StructuredOutput", input_schema: reviewSchema as { type: "object" } },
      ],
    });
    const reply = await stream.finalMessage();
    expect(reply.content.map((b) => b.type === "tool_use" && b.name)).toEqual(["mcp__wink__lookup"]);
    const input = reply.content[0]?.type === "tool_use" ? reply.content[0].input : null;
    expect(Lookup.safeParse(input).success).toBe(true);
  });

  it("Anthropic output_config.format: answers a text block with schema-valid JSON", async () => {
    const server = await serve({ policy: true });
    const reply = await anthropic(server).messages.create({
      model: "m",
      max_tokens: 512,
      messages: [{ role: "user", content: "Review" }],
      output_config: { format: { type: "json_schema", schema: reviewSchema } },
    });
    const block = reply.content[0];
    expect(Review.safeParse(block?.type === "text" ? JSON.parse(block.text) : null).success).toBe(true);
  });

  it("scripted turns come first; policy answers once they run out", async () => {
    const server = await serve({ script: [turn.text("scripted")], policy: { finalText: "Policy done." } });
    const client = openai(server);
    const messages = [{ role: "user" as const, content: "hi" }];
    const a = await client.chat.completions.create({ model: "m", messages });
    const b = await client.chat.completions.create({ model: "m", messages });
    expect([a.choices[0]?.message.content, b.choices[0]?.message.content]).toEqual([
      "scripted",
      "Policy done.",
    ]);
    expect(server.requests[1]?.turn).toEqual({ kind: "text", text: "Policy done." });
  });

  it("a toolFilter and skipTools narrow the tools policy mode calls; json_object gets an object", async () => {
    const server = await serve({ policy: { toolFilter: (name) => name !== "b", skipTools: ["c"] } });
    const reply = await openai(server).chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      tools: ["a", "b", "c"].map((name) => ({ type: "function" as const, function: { name } })),
    });
    expect(
      reply.choices[0]?.message.tool_calls?.map((c) => c.type === "function" && c.function.name),
    ).toEqual(["a"]);
    const json = await openai(server).chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      response_format: { type: "json_object" },
    });
    expect(JSON.parse(json.choices[0]?.message.content ?? "")).toEqual({});
  });

  it("an answer function gives the structured answer from the conversation text, on every protocol", async () => {
    const seen: string[] = [];
    const server = await serve({
      policy: {
        answer: ({ text }) => {
          seen.push(text);
          return text.includes("strict") ? { verdict: "reject" } : undefined;
        },
      },
    });
    const client = openai(server);
    const response_format = {
      type: "json_schema" as const,
      json_schema: { name: "v", schema: { type: "object", properties: { verdict: { type: "string" } } } },
    };
    const strict = await client.chat.completions.create({
      model: "m",
      messages: [
        { role: "system", content: "Be strict." },
        { role: "user", content: [{ type: "text", text: "Review it" }] },
      ],
      response_format,
    });
    expect(JSON.parse(strict.choices[0]?.message.content ?? "")).toEqual({ verdict: "reject" });
    expect(seen[0]).toBe("Be strict.\n\nReview it");
    // undefined: back to a value generated from the schema.
    const lenient = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "Review it" }],
      response_format,
    });
    expect(JSON.parse(lenient.choices[0]?.message.content ?? "")).not.toEqual({ verdict: "reject" });
    const responses = await client.responses.create({
      model: "m",
      instructions: "strict mode",
      input: "Review",
      text: { format: { type: "json_schema", name: "v", schema: { type: "object" } } },
    });
    expect(JSON.parse(responses.output_text)).toEqual({ verdict: "reject" });
    const tool = { name: "final_answer", input_schema: { type: "object" as const } };
    const message = await anthropic(server).messages.create({
      model: "m",
      max_tokens: 100,
      system: "strict",
      messages: [{ role: "user", content: "Review" }],
      tools: [tool],
    });
    const block = message.content.find((b) => b.type === "tool_use");
    expect(block?.type === "tool_use" && block.input).toEqual({ verdict: "reject" });
  });
});
