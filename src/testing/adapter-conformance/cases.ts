/**
 * The checks of the adapter conformance suite for the agent loop itself: tools, invalid
 * arguments, structured output with repair, the deadline and the token budget. Each starts a
 * harness with its script, evaluates, and asserts what the caller got, what the session
 * recorded and what the model was sent. Internal to the suite.
 */

import assert from "node:assert/strict";
import { Budget } from "../../budget.js";
import { SYSTEM_CLOCK } from "../../clock.js";
import { Deadline } from "../../deadline.js";
import { BudgetExceededError, DeadlineExceededError } from "../../errors.js";
import { PromptExecuted, ToolInvoked } from "../../events/index.js";
import { Prompt } from "../../prompt/index.js";
import { Session } from "../../session/index.js";
import { type ScriptedTurn, turn } from "../model-server/turns.js";
import { answerTemplate, conformanceTemplate, ENTITY_NAME, type LookupParams } from "./fixtures.js";
import type { AdapterCapability, AdapterConformanceFactory, AdapterConformanceHarness } from "./types.js";
import { newInput, toolResultFor } from "./wire.js";

/**
 * How long after the deadline the evaluation may take to reject. The HTTP adapters reject at once;
 * the Claude Agent SDK waits up to 2 s for Claude Code to exit before it signals the process.
 */
const DEADLINE_GRACE_MS = 3_000;

/** One check: what it proves, and the proof. */
export interface Check {
  readonly capability: AdapterCapability;
  readonly name: string;
  readonly run: (factory: AdapterConformanceFactory) => Promise<void>;
}

/** Start a harness on `script`, run `body`, and close the harness whatever happens. */
export async function withHarness<T>(
  factory: AdapterConformanceFactory,
  script: readonly ScriptedTurn[],
  body: (harness: AdapterConformanceHarness) => Promise<T>,
): Promise<T> {
  const harness = await factory.start(script);
  try {
    return await body(harness);
  } finally {
    await harness.close();
  }
}

/** `(name, success)` of every `ToolInvoked` in the session, in order. */
export function invocations(session: Session): [string, boolean][] {
  return session
    .slice(ToolInvoked)
    .all()
    .map((e) => [e.name, e.success]);
}

/** The thrown value of `action`, failing when it resolves. */
export async function rejection(action: Promise<unknown>, what: string): Promise<unknown> {
  try {
    await action;
  } catch (error) {
    return error;
  }
  assert.fail(`expected ${what}, but the evaluation succeeded`);
}

/** `(callId, name, success)` of every `ToolInvoked` in the session, sorted by call id. */
export function calledIds(session: Session): [string, string, boolean][] {
  return session
    .slice(ToolInvoked)
    .all()
    .map((e): [string, string, boolean] => [e.callId ?? "(none)", e.name, e.success])
    .sort(([a], [b]) => a.localeCompare(b));
}

const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** A call of the lookup tool in the factory's dialect. */
export function lookupCall(factory: AdapterConformanceFactory, id: string, args: Record<string, unknown>) {
  return { id, name: factory.dialect.toolName("lookup"), arguments: args };
}

export const LOOP_CHECKS: readonly Check[] = [
  {
    capability: "tools",
    name: "runs a WINK tool called with valid arguments: the handler gets the parsed params, the model reads the result, and ToolInvoked records the success",
    run: (factory) => {
      const calls: LookupParams[] = [];
      const script = [
        turn.toolCalls([lookupCall(factory, "call_lookup_1", { entityId: "42" })]),
        turn.text(`Entity 42 is ${ENTITY_NAME}.`),
      ];
      return withHarness(factory, script, async ({ adapter, server }) => {
        const session = new Session();
        const prompt = new Prompt(conformanceTemplate({ key: "tools", calls }));
        const response = await adapter.evaluate(prompt, { session });

        assert.deepEqual(
          calls,
          [{ entityId: "42", detail: "short" }],
          "the handler gets params with defaults",
        );
        assert.equal(response.text, `Entity 42 is ${ENTITY_NAME}.`);
        assert.equal(server.requests.length, 2, "one request per model turn");
        const result = toolResultFor(server.requests.slice(1), "call_lookup_1");
        assert.ok(result, "the tool result for call_lookup_1 reaches the model in the next request");
        assert.match(result.text, new RegExp(ENTITY_NAME));
        assert.notEqual(result.isError, true, "a successful result is not flagged as an error");
        const events = session.slice(ToolInvoked).all();
        assert.deepEqual(invocations(session), [["lookup", true]]);
        assert.equal(events[0]?.callId, "call_lookup_1", "ToolInvoked carries the provider's call id");
        assert.deepEqual(events[0]?.params, { entityId: "42", detail: "short" });
      });
    },
  },
  {
    capability: "invalidArguments",
    name: "refuses invalid tool arguments without calling the handler, tells the model what is wrong, and runs its corrected call",
    run: (factory) => {
      const calls: LookupParams[] = [];
      const script = [
        turn.toolCalls([lookupCall(factory, "call_bad", { entityId: 42 })]),
        turn.toolCalls([lookupCall(factory, "call_good", { entityId: "42" })]),
        turn.text(`Entity 42 is ${ENTITY_NAME}.`),
      ];
      return withHarness(factory, script, async ({ adapter, server }) => {
        const session = new Session();
        const prompt = new Prompt(conformanceTemplate({ key: "invalid-arguments", calls }));
        const response = await adapter.evaluate(prompt, { session });

        assert.deepEqual(
          calls,
          [{ entityId: "42", detail: "short" }],
          "only the valid call reaches the handler",
        );
        const refused = toolResultFor(server.requests, "call_bad");
        assert.ok(refused, "the refusal of call_bad reaches the model");
        assert.match(refused.text, /entityId/, "the refusal names the invalid parameter");
        assert.notEqual(refused.isError, false, "where the wire flags errors, the refusal is flagged");
        assert.match(toolResultFor(server.requests, "call_good")?.text ?? "", new RegExp(ENTITY_NAME));
        assert.equal(response.text, `Entity 42 is ${ENTITY_NAME}.`);
        assert.deepEqual(
          calledIds(session),
          [
            ["call_bad", "lookup", false],
            ["call_good", "lookup", true],
          ],
          "ToolInvoked records the refused call and the corrected one, each under its own call id",
        );
      });
    },
  },
  {
    capability: "repair",
    name: "asks the model to fix a final answer that fails the output schema, then returns the fixed answer as typed output",
    run: (factory) => {
      const good = { answer: ENTITY_NAME, confidence: 0.9 };
      const script = [
        factory.dialect.finalAnswer({ answer: ENTITY_NAME, confidence: 7 }, "call_answer_1"),
        factory.dialect.finalAnswer(good, "call_answer_2"),
      ];
      return withHarness(factory, script, async ({ adapter, server }) => {
        const response = await adapter.evaluate(new Prompt(answerTemplate()), { session: new Session() });

        assert.deepEqual(response.output, good);
        assert.equal(server.requests.length, 2, "one repair turn, then the answer");
        const repair = newInput(server.requests[1] as (typeof server.requests)[number]);
        assert.match(
          repair,
          /confidence/,
          `the repair request names the failing field; the model got: ${repair}`,
        );
      });
    },
  },
  {
    capability: "deadline",
    name: "aborts a hanging model request at the deadline with DeadlineExceededError and leaves no request open",
    run: (factory) => {
      const deadlineMs = 300 + (factory.startupMs ?? 0);
      return withHarness(factory, [turn.hang()], async ({ adapter, server }) => {
        const session = new Session();
        const started = SYSTEM_CLOCK.monotonic();
        const error = await rejection(
          adapter.evaluate(new Prompt(conformanceTemplate({ key: "deadline" })), {
            session,
            deadline: Deadline.after(deadlineMs),
          }),
          "DeadlineExceededError",
        );
        const elapsed = SYSTEM_CLOCK.monotonic() - started;

        assert.ok(
          error instanceof DeadlineExceededError,
          `expected DeadlineExceededError, got ${describeError(error)}`,
        );
        assert.ok(
          elapsed < deadlineMs + DEADLINE_GRACE_MS,
          `rejected ${elapsed - deadlineMs} ms after the deadline; at most ${DEADLINE_GRACE_MS} ms is allowed`,
        );
        assert.ok(
          server.requests.length > 0,
          `no model request was made within the ${deadlineMs} ms deadline: raise the factory's startupMs`,
        );
        const hung = await server.waitForAbort({ timeoutMs: 3_000 });
        assert.equal(hung.turn?.kind, "hang", "the aborted request is the hanging one");
        assert.deepEqual(
          server.requests.filter((r) => !r.aborted && r.status === undefined).map((r) => r.index),
          [],
          "no request is left open",
        );
        assert.equal(
          session.slice(PromptExecuted).latest(),
          undefined,
          "a timed-out evaluation is not executed",
        );
      });
    },
  },
  {
    capability: "budget",
    name: "stops with BudgetExceededError once reported usage passes the token budget, before the requested tool runs",
    run: (factory) => {
      const calls: LookupParams[] = [];
      const script = [
        turn.toolCalls([lookupCall(factory, "call_over", { entityId: "42" })], {
          usage: { inputTokens: 500, outputTokens: 500 },
        }),
        turn.text("I stop here."),
      ];
      return withHarness(factory, script, async ({ adapter }) => {
        const session = new Session();
        const error = await rejection(
          adapter.evaluate(new Prompt(conformanceTemplate({ key: "budget", calls })), {
            session,
            budget: new Budget({ maxTotalTokens: 100 }),
          }),
          "BudgetExceededError",
        );

        assert.ok(
          error instanceof BudgetExceededError,
          `expected BudgetExceededError, got ${describeError(error)}`,
        );
        assert.deepEqual(calls, [], "the tool requested in the over-budget turn never runs");
        assert.deepEqual(invocations(session), []);
        assert.equal(session.slice(PromptExecuted).latest(), undefined);
      });
    },
  },
];
