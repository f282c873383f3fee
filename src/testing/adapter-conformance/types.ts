/**
 * The contract between the adapter conformance suite and the adapter under test: a harness per
 * case, the dialect the adapter's model speaks, and the behaviours it claims.
 */

import type { ProviderAdapter } from "../../adapters/types.js";
import type { ScriptedModelServer } from "../model-server/server.js";
import type { ScriptedTurn } from "../model-server/turns.js";

/**
 * How an adapter's model speaks, so the suite can script it. {@link adapterDialects} holds the
 * dialects of the bundled adapters.
 */
export interface AdapterDialect {
  /** The name the model calls WINK tool `name` by: `name` itself, or `mcp__wink__<name>` on Claude Code. */
  toolName(name: string): string;
  /**
   * The scripted turn in which the model gives `value` as its final structured answer: JSON text
   * (OpenAI), a `final_answer` tool call (Anthropic), a `StructuredOutput` tool call (Claude Code).
   * `callId` is the id to give the call when the answer is a tool call.
   */
  finalAnswer(value: Readonly<Record<string, unknown>>, callId: string): ScriptedTurn;
}

/** The behaviours the suite checks, one case each. */
export type AdapterCapability =
  | "tools"
  | "invalidArguments"
  | "repair"
  | "deadline"
  | "budget"
  | "taskCompletion"
  | "feedback"
  | "workspace";

/** One fresh adapter and the scripted model server it talks to. */
export interface AdapterConformanceHarness {
  /** The adapter under test, pointed at {@link AdapterConformanceHarness.server}. */
  readonly adapter: ProviderAdapter;
  /** The server playing the case's script; the suite reads its recorded requests. */
  readonly server: ScriptedModelServer;
  /** Close the server and release what `start` created. Called once per harness. */
  close(): Promise<void>;
}

/** What the suite needs to run its cases on one adapter. */
export interface AdapterConformanceFactory {
  /** How the adapter's model names tools and gives a structured answer. */
  readonly dialect: AdapterDialect;
  /**
   * Behaviours the adapter does not support, set to `false`: their cases come back with `skip`
   * set and do nothing when run. Default: every behaviour is claimed. Declare a behaviour absent
   * only when the adapter family genuinely cannot offer it, never to hide a bug.
   */
  readonly capabilities?: Readonly<Partial<Record<AdapterCapability, boolean>>>;
  /**
   * The longest time from `evaluate()` to the adapter's first model request, in ms (a harness
   * that spawns a process needs a second or two). The deadline case sets its deadline this far
   * beyond 300 ms so that the request is in flight when it passes. Default 0.
   */
  readonly startupMs?: number;
  /**
   * A fresh harness whose server plays `script`, one turn per model request (pass it to
   * `ScriptedModelServer.start({ script })`), and an adapter pointed at that server.
   */
  start(script: readonly ScriptedTurn[]): Promise<AdapterConformanceHarness>;
}

/** One behaviour: a name that reads as a specification and the check itself. */
export interface AdapterConformanceCase {
  readonly name: string;
  /** The behaviour it checks. */
  readonly capability: AdapterCapability;
  /** Why it does not apply to this adapter (the factory declared the capability absent); run it or skip it. */
  readonly skip: string | undefined;
  /** Start a harness, check the behaviour, close the harness. Throws (`node:assert`) on failure. */
  readonly run: () => Promise<void>;
}
