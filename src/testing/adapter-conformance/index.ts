/**
 * The adapter conformance suite: what every adapter must do the same way — run tools, refuse
 * invalid arguments, repair structured output, honour the deadline and the token budget, send an
 * incomplete task back, deliver feedback, keep file tools inside the workspace — written as
 * runnable cases, so the OpenAI, Anthropic and Claude Code adapters (and yours) cannot drift.
 *
 * Each case scripts the model with the {@link ScriptedModelServer}, evaluates a prompt with the
 * adapter under test, and asserts on the response, the session and the requests the model
 * received (read per wire protocol). Like the mailbox suite it depends on no test framework: a
 * case is a name and an async function that throws on failure (`node:assert`).
 *
 * @example
 * ```ts
 * import { describe, it } from "vitest";
 * import { OpenAIAdapter } from "weakincentives/adapters/openai";
 * import { adapterConformanceCases, adapterDialects, ScriptedModelServer } from "weakincentives/testing";
 *
 * describe("OpenAIAdapter conformance", () => {
 *   const cases = adapterConformanceCases({
 *     dialect: adapterDialects.openai,
 *     start: async (script) => {
 *       const server = await ScriptedModelServer.start({ script });
 *       const adapter = new OpenAIAdapter({
 *         model: "gpt-test",
 *         clientOptions: { apiKey: "sk-test", baseURL: server.openaiBaseUrl },
 *       });
 *       return { adapter, server, close: () => server.close() };
 *     },
 *   });
 *   for (const c of cases) (c.skip ? it.skip : it)(c.name, c.run);
 * });
 * ```
 */

import { turn } from "../model-server/turns.js";
import { LOOP_CHECKS } from "./cases.js";
import { GUIDANCE_CHECKS } from "./guidance-cases.js";
import type { AdapterConformanceCase, AdapterConformanceFactory, AdapterDialect } from "./types.js";

export type {
  AdapterCapability,
  AdapterConformanceCase,
  AdapterConformanceFactory,
  AdapterConformanceHarness,
  AdapterDialect,
} from "./types.js";

const plainName = (name: string): string => name;

/**
 * The dialects of the bundled adapters: `openai` (Chat and Responses: plain tool names, the
 * answer as JSON text), `anthropic` (plain tool names, the answer as a `final_answer` call) and
 * `claudeCode` (tools as `mcp__wink__<name>`, the answer as a `StructuredOutput` call).
 */
export const adapterDialects: Readonly<Record<"openai" | "anthropic" | "claudeCode", AdapterDialect>> =
  Object.freeze({
    openai: { toolName: plainName, finalAnswer: (value) => turn.json(value) },
    anthropic: {
      toolName: plainName,
      finalAnswer: (value, id) => turn.toolCalls([{ id, name: "final_answer", arguments: value }]),
    },
    claudeCode: {
      toolName: (name) => `mcp__wink__${name}`,
      finalAnswer: (value, id) => turn.toolCalls([{ id, name: "StructuredOutput", arguments: value }]),
    },
  });

/**
 * The conformance cases, each on a fresh harness from `factory.start` that it closes when done.
 * Run them with any test runner: `for (const c of cases) (c.skip ? it.skip : it)(c.name, c.run)`.
 * A case whose capability the factory declares absent has `skip` set and does nothing when run.
 */
export function adapterConformanceCases(factory: AdapterConformanceFactory): AdapterConformanceCase[] {
  return [...LOOP_CHECKS, ...GUIDANCE_CHECKS].map(({ capability, name, run }) => {
    const skip =
      factory.capabilities?.[capability] === false
        ? `the adapter declares no "${capability}" capability`
        : undefined;
    return { name, capability, skip, run: skip ? async () => {} : () => run(factory) };
  });
}
