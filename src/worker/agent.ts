/**
 * An agent as a worker serves it: one or more loops, each a request schema and a `prepare` that
 * turns a request into a bound prompt. `wink worker ./agent.js` imports a module whose default
 * export (or `loops` export) is one {@link AgentLoop} or a list of them; {@link createWorker}
 * takes the same list.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { MarkdownSection, Prompt, PromptTemplate } from "weakincentives";
 * import { defineLoop } from "weakincentives/worker";
 *
 * const Request = z.object({ text: z.string() });
 * const template = new PromptTemplate({
 *   ns: "examples/summaries",
 *   key: "summarize",
 *   output: z.object({ summary: z.string() }),
 *   sections: [new MarkdownSection({ key: "doc", title: "Document", params: Request, template: "${text}" })],
 * });
 *
 * export default defineLoop({
 *   name: "summaries",
 *   requestSchema: Request,
 *   prepare: (request) => new Prompt(template).bind({ doc: request }),
 * });
 * ```
 */

import type { z } from "zod";
import type { PromptResponse } from "../adapters/types.js";
import { WinkError } from "../errors.js";
import type { EvaluablePrompt } from "../prompt/index.js";
import type { MainLoopConfig, PrepareContext, Prepared } from "../runtime/main-loop/index.js";
import type { Session } from "../session/index.js";

/** Loop settings an agent may set; the worker sets the rest (dispatcher, DLQ, deadline, budget). */
export type AgentLoopConfig = Pick<
  MainLoopConfig,
  "resources" | "maxVisibilityExpansions" | "leaseExtender" | "budget" | "deadlineSeconds" | "batchSize"
>;

/** One loop of an agent: what it accepts and how a request becomes a prompt. */
export interface AgentLoop<Req = unknown, Out = unknown> {
  /** Names the loop in logs, metrics and watchdog lines. */
  readonly name: string;
  /**
   * The queue this loop serves, on the backend of `WINK_MAILBOX`. Default: the queue
   * `WINK_MAILBOX` names. With several loops, every loop but one must name its own.
   */
  readonly queue?: string;
  readonly requestSchema: z.ZodType<Req>;
  // Methods rather than function properties: a list of loops with different request types is
  // then assignable to `readonly AgentLoop[]`.
  /** Builds the prompt for one request (see `MainLoop`'s `prepare`). */
  prepare(request: Req, context: PrepareContext): Prepared<Out> | Promise<Prepared<Out>>;
  /** Runs after each successful evaluation, before the reply. */
  finalize?(
    prompt: EvaluablePrompt<Out>,
    session: Session,
    response: PromptResponse<Out>,
  ): void | Promise<void>;
  /** Settings over the worker's defaults (a per-loop budget or deadline wins over the config's). */
  readonly config?: AgentLoopConfig;
}

/** Identity, for type inference: the request type from `requestSchema`, the output from `prepare`. */
export function defineLoop<Req, Out>(loop: AgentLoop<Req, Out>): AgentLoop<Req, Out> {
  return loop;
}

/** What a module given to `wink worker` exports: its default export, or `loops`. */
export interface AgentModule {
  readonly default?: unknown;
  readonly loops?: unknown;
}

function isAgentLoop(value: unknown): value is AgentLoop {
  if (typeof value !== "object" || value === null) return false;
  const loop = value as Partial<AgentLoop>;
  return (
    typeof loop.name === "string" &&
    loop.name !== "" &&
    typeof loop.prepare === "function" &&
    typeof loop.requestSchema === "object" &&
    loop.requestSchema !== null &&
    typeof (loop.requestSchema as { safeParse?: unknown }).safeParse === "function"
  );
}

/**
 * The loops a module exports (its `loops`, else its default export; one loop or a list).
 *
 * @throws WinkError `invalid_config` naming `source` when there is none, one is malformed, or two
 *   share a name.
 */
export function agentLoopsOf(module: AgentModule, source: string): readonly AgentLoop[] {
  const exported = module.loops ?? module.default;
  const list = Array.isArray(exported) ? exported : exported === undefined ? [] : [exported];
  const fix =
    "Export defineLoop({ name, requestSchema, prepare }) as the default export, or an array of them as `loops`.";
  if (list.length === 0) {
    throw new WinkError("invalid_config", `${source} exports no agent loop. ${fix}`, { details: { source } });
  }
  const names = new Set<string>();
  list.forEach((loop, index) => {
    if (!isAgentLoop(loop)) {
      throw new WinkError(
        "invalid_config",
        `${source}: loop ${index} is not an agent loop (it needs a name, a zod requestSchema and a prepare function). ${fix}`,
        { details: { source, index } },
      );
    }
    if (names.has(loop.name)) {
      throw new WinkError(
        "invalid_config",
        `${source}: two loops are named "${loop.name}". Give each loop its own name.`,
        {
          details: { source, name: loop.name },
        },
      );
    }
    names.add(loop.name);
  });
  return list as AgentLoop[];
}
