/**
 * The scripted model server: a local stand-in for the OpenAI (Chat Completions, Responses) and
 * Anthropic Messages APIs, used by tests with the real SDK clients and by the offline demo. Each
 * request consumes one scripted turn, whatever its protocol; replies follow each provider's wire
 * format for JSON and SSE streaming, so the official SDKs parse them unchanged.
 *
 * @example
 * ```ts
 * import OpenAI from "openai";
 * import { ScriptedModelServer, turn } from "weakincentives/testing";
 *
 * await using server = await ScriptedModelServer.start({
 *   script: [
 *     turn.toolCalls([{ name: "lookup_entity", arguments: { entityId: "e-1" } }]),
 *     turn.json({ summary: "ok", issues: [] }),
 *   ],
 * });
 * const client = new OpenAI({ apiKey: "test", baseURL: server.openaiBaseUrl, maxRetries: 0 });
 * const first = await client.chat.completions.create({ model: "gpt-4.1-mini", messages: [] });
 * first.choices[0]?.message.tool_calls; // [{ function: { name: "lookup_entity", … } }]
 * server.requests[0]?.body; // the request as the adapter sent it
 * ```
 */

export { sampleJsonSchema } from "./json-schema-sample.js";
export type { PolicyOptions } from "./policy.js";
export type { ConversationFacts, ModelProtocol, OfferedTool } from "./protocol.js";
export {
  type RecordedRequest,
  ScriptedModelServer,
  type ScriptedModelServerOptions,
  type WaitOptions,
} from "./server.js";
export {
  type DelayTurn,
  type ErrorTurn,
  type ErrorTurnOptions,
  type HangTurn,
  type JsonTurn,
  type ScriptedToolCall,
  type ScriptedTurn,
  ScriptedTurnSchema,
  type TextTurn,
  type ToolCallsTurn,
  type TurnOptions,
  type TurnUsage,
  turn,
} from "./turns.js";
