/**
 * The MCP bridge: the prompt's WINK tools offered to Claude Code as the in-process MCP server
 * `wink` (the model sees `mcp__wink__<tool>`). Every call goes through the shared tool executor,
 * so validation, policies, transactions and `ToolInvoked` are those of the HTTP adapters.
 */

import {
  createSdkMcpServer,
  type McpSdkServerConfigWithInstance,
  tool,
} from "@anthropic-ai/claude-agent-sdk";
import type { z } from "zod";
import { describeThrown } from "../../errors.js";
import { executeToolCall, type RenderedPrompt, type ToolExecutionContext } from "../../prompt/index.js";
import { MCP_SERVER_NAME } from "./hooks.js";
import type { RunState } from "./results.js";

/**
 * The MCP server for one evaluation. Call ids come from the `PreToolUse` hook (queued per tool
 * name in `state`); an error the executor throws (not a failed tool) ends the evaluation through
 * `fail`.
 */
export function winkMcpServer(
  rendered: RenderedPrompt<unknown>,
  state: RunState,
  toolContext: ToolExecutionContext,
  fail: (error: unknown) => void,
): McpSdkServerConfigWithInstance {
  return createSdkMcpServer({
    name: MCP_SERVER_NAME,
    version: "1.0.0",
    alwaysLoad: true,
    tools: rendered.tools.map((rt) =>
      tool(rt.name, rt.description, rt.tool.params.shape as z.ZodRawShape, async (args) => {
        const id = state.callIds.get(rt.name)?.shift();
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
      }),
    ),
  });
}
