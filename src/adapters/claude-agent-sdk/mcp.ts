/**
 * The MCP bridge: the prompt's WINK tools offered to Claude Code as the in-process MCP server
 * `wink` (the model sees `mcp__wink__<tool>`). Every call goes through the shared tool executor,
 * so validation, policies, transactions and `ToolInvoked` are those of the HTTP adapters.
 *
 * The MCP server validates arguments against the schema it is given before a handler runs, and
 * would answer invalid ones with its own error and no `ToolInvoked`. So it gets a schema that
 * accepts anything while advertising the tool's JSON Schema (zod metadata is merged into the
 * generated schema), and the executor validates, exactly as on the HTTP adapters.
 */

import {
  createSdkMcpServer,
  type McpSdkServerConfigWithInstance,
  tool,
} from "@anthropic-ai/claude-agent-sdk";
import { z } from "zod";
import { describeThrown } from "../../errors.js";
import {
  type AnyTool,
  executeToolCall,
  type RenderedPrompt,
  type ToolExecutionContext,
} from "../../prompt/index.js";
import { MCP_SERVER_NAME } from "./hooks.js";

/** Where Claude Code puts the tool-use id of an MCP call. */
const TOOL_USE_ID = "claudecode/toolUseId";

const advertised = new WeakMap<AnyTool, z.ZodType>();

/**
 * The schema registered for `tool`: an object accepting any fields, each carrying its JSON Schema
 * as metadata, and the object's own `required` and `additionalProperties` (input side: a field
 * with a default may be left out). Built once per tool. A schema with shared definitions
 * (`$defs`) cannot be split per field; such a tool keeps its own, and the MCP server validates it.
 */
function advertisedSchema(tool: AnyTool): z.ZodType {
  const cached = advertised.get(tool);
  if (cached) return cached;
  const json = z.toJSONSchema(tool.params, { io: "input", target: "draft-2020-12" }) as {
    readonly properties?: Readonly<Record<string, Record<string, unknown>>>;
    readonly required?: readonly string[];
    readonly additionalProperties?: unknown;
    readonly $defs?: unknown;
  };
  let schema: z.ZodType = tool.params;
  if (json.$defs === undefined) {
    const fields = Object.entries(json.properties ?? {}).map(([key, field]) => [
      key,
      z.unknown().meta(field).optional(),
    ]);
    schema = z.looseObject(Object.fromEntries(fields)).meta({
      required: [...(json.required ?? [])],
      additionalProperties: json.additionalProperties ?? false,
    });
  }
  advertised.set(tool, schema);
  return schema;
}

/** The tool-use id Claude Code sends with an MCP call. */
function toolUseId(extra: unknown): string | undefined {
  const meta = (extra as { _meta?: Record<string, unknown> } | undefined)?._meta;
  const id = meta?.[TOOL_USE_ID];
  return typeof id === "string" ? id : undefined;
}

/**
 * The MCP server for one evaluation. An error the executor throws (not a failed tool) ends the
 * evaluation through `fail`.
 */
export function winkMcpServer(
  rendered: RenderedPrompt<unknown>,
  toolContext: ToolExecutionContext,
  fail: (error: unknown) => void,
): McpSdkServerConfigWithInstance {
  return createSdkMcpServer({
    name: MCP_SERVER_NAME,
    version: "1.0.0",
    alwaysLoad: true,
    tools: rendered.tools.map((rt) =>
      // `tool()` is typed for raw shapes; the server takes an object schema as it is.
      tool(
        rt.name,
        rt.description,
        advertisedSchema(rt.tool) as unknown as z.ZodRawShape,
        async (args, extra) => {
          const id = toolUseId(extra);
          try {
            const execution = await executeToolCall(
              { ...(id ? { id } : {}), name: rt.name, arguments: args as Record<string, unknown> },
              toolContext,
            );
            return {
              content: [{ type: "text" as const, text: execution.output }],
              isError: !execution.result.success,
            };
          } catch (error) {
            fail(error);
            return { content: [{ type: "text" as const, text: describeThrown(error) }], isError: true };
          }
        },
      ),
    ),
  });
}
