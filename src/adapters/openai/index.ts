/**
 * `weakincentives/adapters/openai`: evaluate prompts on OpenAI through the official `openai` SDK
 * (an optional peer dependency, loaded only by this entry).
 *
 * Both HTTP APIs are supported: `"responses"` (default) and `"chat"` (Chat Completions, which most
 * OpenAI-compatible servers speak). Tools run in this process; structured output uses the
 * provider's JSON-schema mode and is validated with the prompt's zod schema. The SDK's own retries
 * are off: 429s, 5xx and dropped connections are retried by the adapter's throttle policy, within
 * the deadline, and the deadline aborts the in-flight request.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { MarkdownSection, Prompt, PromptTemplate, Session } from "weakincentives";
 * import { OpenAIAdapter } from "weakincentives/adapters/openai";
 *
 * const template = new PromptTemplate({
 *   ns: "examples/greeting",
 *   key: "greet",
 *   output: z.object({ greeting: z.string() }),
 *   sections: [new MarkdownSection({ key: "task", title: "Task", template: "Greet the user." })],
 * });
 * const adapter = new OpenAIAdapter({ model: "gpt-4.1-mini", api: "chat", throttle: { maxAttempts: 3 } });
 * const response = await adapter.evaluate(new Prompt(template), { session: new Session() });
 * response.output.greeting; // string
 * ```
 */
export { OPENAI_ADAPTER_NAME, OpenAIAdapter, OpenAIDriver } from "./adapter.js";
export type { OpenAIAdapterOptions, OpenAIApi, OpenAIClientOptions, ReasoningEffort } from "./options.js";
