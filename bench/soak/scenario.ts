/**
 * The workload of bench/soak and bench/turn-overhead: one prompt with 8 tools over 4 sections and
 * a structured output, answered in 11 model turns (10 tool calls, one per turn, then the final
 * answer). Shared by the adapters under test and by the hand-written baseline loops, so both do
 * the same work.
 */

import { MarkdownSection, Prompt, PromptTemplate, Session, Tool, ToolResult } from "weakincentives";
import type { InProcessTurn } from "weakincentives/testing";
import { z } from "zod";

/** Model turns per evaluation: 10 tool turns and the final answer. */
export const TURNS = 11;
/** Tool turns per evaluation. */
export const TOOL_TURNS = TURNS - 1;

/** The tools' parameters. */
export const Params = z.object({
  id: z.string(),
  limit: z.number().int().min(1).max(100),
  tags: z.array(z.string()).max(5),
});

/** The structured output every evaluation ends with. */
export const Output = z.object({
  summary: z.string(),
  items: z.array(z.object({ id: z.string(), score: z.number() })),
});

/** What every tool returns: the same work in the adapter and in the baselines. */
export function toolWork(tool: string, params: { readonly limit: number }): { tool: string; count: number } {
  return { tool, count: params.limit };
}

/** The tools' result schema. */
export const ToolOutput = z.object({ tool: z.string(), count: z.number().int() });

/**
 * The benchmark prompt (8 tools over 4 sections, structured output) under `key`; `answer` gives
 * every tool's result value (the plain {@link toolWork} result, or a typed value for reducers).
 */
export function benchPrompt(
  key: string,
  answer: (tool: string, params: z.infer<typeof Params>) => z.infer<typeof ToolOutput> = toolWork,
) {
  const tools = Array.from(
    { length: 8 },
    (_, i) =>
      new Tool({
        name: `tool_${i}`,
        description: `Benchmark tool number ${i}.`,
        params: Params,
        result: ToolOutput,
        handler: (params) => ToolResult.ok(answer(`tool_${i}`, params)),
      }),
  );
  const template = new PromptTemplate({
    ns: "bench",
    key,
    output: Output,
    sections: Array.from(
      { length: 4 },
      (_, s) =>
        new MarkdownSection({
          key: `section-${s}`,
          title: `Section ${s}`,
          template: `Instructions for part ${s} of the work. Use the tools when needed.`,
          tools: tools.slice(s * 2, s * 2 + 2),
        }),
    ),
  });
  return new Prompt(template);
}

/** The prompt every soak evaluation runs (immutable: one instance serves all of them). */
export const prompt = benchPrompt("soak");

/** The tool call the model makes in tool turn `t` (0-based). */
export function toolCall(t: number): { id: string; name: string; arguments: Record<string, unknown> } {
  return {
    id: `call_${t}`,
    name: `tool_${t % 8}`,
    arguments: { id: `item-${t}`, limit: t + 1, tags: ["a", "b"] },
  };
}

/** The final answer. */
export const FINAL_OUTPUT: z.infer<typeof Output> = { summary: "done", items: [{ id: "a", score: 0.5 }] };

/** Usage every scripted turn reports. */
export const TURN_USAGE = { inputTokens: 100, outputTokens: 20 } as const;

/** The script for the in-process model: the same turns the in-process `fetch` answers. */
export function inProcessScript(): InProcessTurn[] {
  return [
    ...Array.from({ length: TOOL_TURNS }, (_, t) => {
      const call = toolCall(t);
      return { toolCalls: [{ ...call, arguments: JSON.stringify(call.arguments) }], usage: TURN_USAGE };
    }),
    { text: JSON.stringify(FINAL_OUTPUT), usage: TURN_USAGE },
  ];
}

/** What a hand-written loop sends: the rendered system text and the tools' JSON Schemas. */
export interface StaticRequest {
  readonly system: string;
  readonly tools: readonly { name: string; description: string; parameters: Record<string, unknown> }[];
  readonly outputSchema: Record<string, unknown>;
}

/** Render once, outside any timing, for the baselines (a hand-written loop has these as constants). */
export function staticRequest(): StaticRequest {
  const rendered = prompt.render({ session: new Session() });
  const strip = (schema: Record<string, unknown>): Record<string, unknown> => {
    const { $schema: _dialect, ...rest } = schema;
    return rest;
  };
  const output = rendered.output;
  if (!output) throw new Error("bench/soak: the prompt must declare an output");
  return {
    system: rendered.text,
    tools: rendered.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      parameters: strip(tool.parameters),
    })),
    outputSchema: strip(output.jsonSchema),
  };
}
