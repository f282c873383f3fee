/**
 * What one soak process runs: the subject under test (an adapter and the hand-written loop on the
 * same SDK client), the four ways an evaluation is run, and how one is timed.
 */

import { setMaxListeners } from "node:events";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { Deadline, Session } from "weakincentives";
import type { ProviderAdapter } from "weakincentives/adapters";
import { AnthropicAdapter } from "weakincentives/adapters/anthropic";
import { OpenAIAdapter } from "weakincentives/adapters/openai";
import { InProcessAdapter, InProcessModel } from "weakincentives/testing";
import { quantile, round2 } from "../stats.js";
import {
  anthropicBaseline,
  type Baseline,
  chatBaseline,
  inProcessBaseline,
  responsesBaseline,
} from "./baselines.js";
import { FINAL_OUTPUT, inProcessScript, prompt, staticRequest, TURNS } from "./scenario.js";
import { type InProcessFetch, inProcessFetch } from "./wire.js";

export const ADAPTERS = ["openai-chat", "openai-responses", "anthropic", "in-process"] as const;
export type AdapterName = (typeof ADAPTERS)[number];

/** The adapter named `value`, or an error listing the names there are. */
export function adapterName(value: string): AdapterName {
  if (!(ADAPTERS as readonly string[]).includes(value)) {
    throw new Error(`bench/soak: unknown adapter "${value}"; use one of ${ADAPTERS.join(", ")}`);
  }
  return value as AdapterName;
}

/**
 * How an evaluation is run: the hand-written loop (`baseline`), the same loop cancellable as a
 * worker's must be (`cancellable`), the adapter with a session only (`plain`), and the adapter as
 * a worker runs it, with the worker's shutdown signal and a deadline (`worker`).
 */
export const VARIANTS = ["baseline", "cancellable", "plain", "worker"] as const;
export type Variant = (typeof VARIANTS)[number];

/** A figure in wall-clock time and in CPU time. */
export interface Timing {
  wall: number;
  cpu: number;
}

interface Subject {
  readonly adapter: ProviderAdapter;
  readonly baseline: Baseline;
  /** The SDK client's in-process fetch (none for the in-process adapter). */
  readonly wire?: InProcessFetch;
}

function subject(name: AdapterName): Subject {
  const request = staticRequest();
  if (name === "openai-chat" || name === "openai-responses") {
    const wire = inProcessFetch(name);
    const client = new OpenAI({
      apiKey: "sk-soak",
      baseURL: "http://soak.invalid/v1",
      fetch: wire.fetch,
      maxRetries: 0,
    });
    const api = name === "openai-chat" ? "chat" : "responses";
    return {
      adapter: new OpenAIAdapter({ model: "gpt-4.1-mini", api, client }),
      baseline: (api === "chat" ? chatBaseline : responsesBaseline)(client, "gpt-4.1-mini", request),
      wire,
    };
  }
  if (name === "anthropic") {
    const wire = inProcessFetch("anthropic-messages");
    const client = new Anthropic({
      apiKey: "sk-ant-soak",
      baseURL: "http://soak.invalid",
      fetch: wire.fetch,
      maxRetries: 0,
    });
    return {
      adapter: new AnthropicAdapter({ model: "claude-sonnet-4-6", client, bedrock: false, env: {} }),
      baseline: anthropicBaseline(client, "claude-sonnet-4-6", request),
      wire,
    };
  }
  return {
    adapter: new InProcessAdapter(new InProcessModel(inProcessScript(), { repeat: true })),
    baseline: inProcessBaseline(),
  };
}

/**
 * The hand-written loop as a worker must run it: cancelled when the worker shuts down or the
 * request's deadline passes. One controller per evaluation, fed by the shutdown signal and a
 * timer, both released at the end, and its signal on every request.
 */
async function cancellableRun(
  baseline: Baseline,
  shutdown: AbortSignal,
  deadlineMs: number,
): Promise<unknown> {
  const controller = new AbortController();
  // The SDK adds an abort listener per request (the openai client never removes it): they go
  // with this controller, and without a higher limit Node warns at the eleventh.
  setMaxListeners(64, controller.signal);
  const onShutdown = (): void => controller.abort(shutdown.reason);
  shutdown.addEventListener("abort", onShutdown, { once: true });
  const timer = setTimeout(() => controller.abort(new Error("deadline")), deadlineMs);
  try {
    return await baseline(controller.signal);
  } finally {
    clearTimeout(timer);
    shutdown.removeEventListener("abort", onShutdown);
  }
}

/** One evaluation of the subject run as each variant; each throws unless it got the final answer. */
export type Runs = Readonly<Record<Variant, () => Promise<void>>>;

/** The runs of `name`'s subject. A worker's shutdown signal lives as long as the process. */
export function runsOf(name: AdapterName): Runs {
  const { adapter, baseline } = subject(name);
  const shutdown = new AbortController();
  const check = (output: unknown, who: string): void => {
    if ((output as typeof FINAL_OUTPUT | undefined)?.summary !== FINAL_OUTPUT.summary) {
      throw new Error(`bench/soak: ${who} returned ${JSON.stringify(output)}`);
    }
  };
  return {
    baseline: async () => check(await baseline(), "the baseline"),
    cancellable: async () =>
      check(await cancellableRun(baseline, shutdown.signal, 600_000), "the cancellable baseline"),
    plain: async () => check((await adapter.evaluate(prompt, { session: new Session() })).output, name),
    worker: async () =>
      check(
        (
          await adapter.evaluate(prompt, {
            session: new Session(),
            signal: shutdown.signal,
            deadline: Deadline.after(600_000),
          })
        ).output,
        name,
      ),
  };
}

/**
 * Request body characters one evaluation sends through the SDK client, by the adapter and by the
 * hand-written loop; undefined for the in-process adapter, which has no client. The two should be
 * about equal: the comparison is meant to measure the adapter's work, not a longer request.
 */
export async function requestBytesOf(
  name: AdapterName,
): Promise<{ adapter: number; loop: number } | undefined> {
  const { adapter, baseline, wire } = subject(name);
  if (!wire) return undefined;
  const before = wire.requestBytes();
  await adapter.evaluate(prompt, { session: new Session() });
  const between = wire.requestBytes();
  await baseline();
  return { adapter: between - before, loop: wire.requestBytes() - between };
}

/** Time one evaluation, per turn, in wall-clock and in CPU microseconds. */
export async function timed(run: () => Promise<void>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await run();
  const wall = Number(process.hrtime.bigint() - start) / 1_000;
  const used = process.cpuUsage(cpu);
  return { wall: wall / TURNS, cpu: (used.user + used.system) / TURNS };
}

/** The median of each figure. */
export function medians(samples: readonly Timing[]): Timing {
  const median = (key: keyof Timing): number =>
    round2(
      quantile(
        samples.map((t) => t[key]),
        0.5,
      ),
    );
  return { wall: median("wall"), cpu: median("cpu") };
}
