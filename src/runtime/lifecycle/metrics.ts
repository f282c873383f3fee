/**
 * Prometheus metrics for a worker, fed by dispatcher events and read from its loops at scrape
 * time. Built on prom-client with a private {@link Registry}, so it never collides with the
 * application's own default registry.
 *
 * Series (default prefix `wink_`), and the names the deployment guide uses for them:
 *
 * | Series | Type | Guide name | Source |
 * |---|---|---|---|
 * | `wink_prompt_tokens_input` | histogram | `prompt.tokens.input` | `PromptExecuted.usage.inputTokens` |
 * | `wink_prompt_tokens_output` | histogram | `prompt.tokens.output` | `PromptExecuted.usage.outputTokens` |
 * | `wink_prompt_executions_total` | counter | `prompt.executions.total` | every `PromptExecuted` |
 * | `wink_tool_invocations_total{tool}` | counter | `tool.invocations.total` | every `ToolInvoked` |
 * | `wink_tool_errors_total{tool}` | counter | `tool.errors.total` | `ToolInvoked` with `isError` |
 * | `wink_messages_processed_total{loop,outcome}` | counter | — | every `MessageHandled` |
 * | `wink_messages_failed_total{loop}` | counter | — | `MessageHandled` ending in error (`failed`, `retried`, `dead_lettered`) |
 * | `wink_messages_dead_lettered_total{loop}` | counter | — | `MessageHandled` with `dead_lettered` |
 * | `wink_loop_heartbeat_age_seconds{loop}` | gauge | — | each watched loop's heartbeat, at scrape |
 * | `wink_worker_ready` | gauge | — | 1 when the readiness check passes, else 0, at scrape |
 * | `wink_mailbox_depth{mailbox}` | gauge | — | `approximateCount()` of each loop's `requests`, at scrape |
 * | `wink_model_call_seconds{adapter,model,outcome}` | histogram | API latency | every `ModelCalled` (retries included) |
 * | `wink_model_retries_total{adapter,kind}` | counter | throttling | every `ModelRetried` (`rate_limit`, `server_error`…) |
 * | `wink_request_seconds{loop,outcome}` | histogram | — | `MessageHandled.durationMs` |
 * | `wink_tool_seconds{tool}` | histogram | — | `ToolInvoked.durationMs` |
 * | `wink_cost_usd_total{adapter,model}` | counter | — | `PromptExecuted.costUsd` (priced models only) |
 * | `wink_bundle_write_seconds{loop,outcome}` | histogram | — | every `BundleWritten` |
 *
 * Prometheus names cannot contain dots, so the guide's dotted names become underscores.
 * Token histograms are skipped when the provider reported no usage (`usage` is optional).
 * Labels stay low-cardinality: no request ids, and tool names (which a model can invent) are
 * capped at {@link MAX_TOOL_LABELS} distinct values, the rest counted as `other`.
 *
 * @example
 * ```ts
 * import { InProcessDispatcher, WinkMetrics } from "weakincentives/runtime";
 *
 * const dispatcher = new InProcessDispatcher();
 * const metrics = new WinkMetrics();
 * const stop = metrics.observe(dispatcher);
 * // ... give `dispatcher` to MainLoop; serve `await metrics.metrics()` on /metrics
 * stop();
 * ```
 */

import { Gauge, Registry } from "prom-client";
import type { Dispatcher } from "../../events/dispatcher.js";
import { BundleWritten, ModelCalled, ModelRetried } from "../../events/measures.js";
import { MessageHandled, PromptExecuted, ToolInvoked } from "../../events/types.js";
import { getLogger } from "../../logging/index.js";
import type { Mailbox } from "../mailbox/types.js";
import {
  type MessageSeries,
  messageSeries,
  type PromptSeries,
  promptSeries,
  type Timings,
  type ToolSeries,
  timings,
  toolSeries,
} from "./metric-series.js";
import type { Runnable } from "./runnable.js";

const log = getLogger("weakincentives.runtime.lifecycle.metrics");

/** Distinct tool names given their own label value; later ones share `other`. */
export const MAX_TOOL_LABELS = 100;

/** Outcomes of `MessageHandled` that mean the handling ended in an error. */
const FAILED_OUTCOMES: ReadonlySet<string> = new Set(["failed", "retried", "dead_lettered"]);

/** Options of {@link WinkMetrics}. */
export interface WinkMetricsOptions {
  /** Prefix of every series name. Default `"wink_"`. */
  readonly prefix?: string;
  /** Registry to register the series on. Default: a new private one. */
  readonly registry?: Registry;
}

/** What {@link WinkMetrics.watch} reads at scrape time. */
export interface MetricsSource {
  /** Loops whose heartbeat age and request-mailbox depth are reported. */
  readonly loops: readonly Pick<Runnable, "name" | "heartbeat" | "requests">[];
  /** Reported as `worker_ready` (1/0). */
  readonly ready?: () => boolean;
}

/** Prometheus series for a WINK worker. */
export class WinkMetrics {
  /** The registry holding every series; give it to an existing exporter if you have one. */
  readonly registry: Registry;
  private readonly prompts: PromptSeries;
  private readonly tools: ToolSeries;
  private readonly messages: MessageSeries;
  private readonly timings: Timings;
  private readonly toolLabels = new Set<string>();
  private sources: MetricsSource[] = [];

  constructor(options: WinkMetricsOptions = {}) {
    const prefix = options.prefix ?? "wink_";
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    // Registration order is the order of the scrape output; keep it.
    this.prompts = promptSeries(prefix, registers);
    this.tools = toolSeries(prefix, registers);
    this.messages = messageSeries(prefix, registers);
    this.timings = timings(prefix, registers);
    // The gauges read `this.sources` at scrape time: `watch` replaces the array, so pass a getter.
    const sources = (): readonly MetricsSource[] => this.sources;
    heartbeatAgeGauge(prefix, registers, sources);
    workerReadyGauge(prefix, registers, sources);
    mailboxDepthGauge(prefix, registers, sources);
  }

  /** The content type of {@link WinkMetrics.metrics} (Prometheus text format). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Count `PromptExecuted`, `ToolInvoked`, `MessageHandled`, `ModelCalled`, `ModelRetried` and
   * `BundleWritten` events of `dispatcher`. Returns a function that stops counting.
   */
  observe(dispatcher: Dispatcher): () => void {
    const subscriptions = [
      dispatcher.subscribe(PromptExecuted, (event) => {
        this.prompts.executions.inc();
        if (event.usage?.inputTokens !== undefined) this.prompts.tokensInput.observe(event.usage.inputTokens);
        if (event.usage?.outputTokens !== undefined)
          this.prompts.tokensOutput.observe(event.usage.outputTokens);
        if (event.costUsd !== undefined && event.costUsd > 0) {
          this.timings.cost.inc({ adapter: event.adapter, model: event.model ?? "unknown" }, event.costUsd);
        }
      }),
      dispatcher.subscribe(ToolInvoked, (event) => {
        const tool = this.toolLabel(event.name);
        this.tools.invocations.inc({ tool });
        if (event.isError) this.tools.errors.inc({ tool });
        if (event.durationMs !== undefined) this.timings.tool.observe({ tool }, event.durationMs / 1_000);
      }),
      dispatcher.subscribe(MessageHandled, (event) => {
        this.messages.processed.inc({ loop: event.loop, outcome: event.outcome });
        if (FAILED_OUTCOMES.has(event.outcome)) this.messages.failed.inc({ loop: event.loop });
        if (event.outcome === "dead_lettered") this.messages.deadLettered.inc({ loop: event.loop });
        this.timings.request.observe({ loop: event.loop, outcome: event.outcome }, event.durationMs / 1_000);
      }),
      dispatcher.subscribe(ModelCalled, (event) => {
        const labels = { adapter: event.adapter, model: event.model, outcome: event.outcome };
        this.timings.modelCall.observe(labels, event.durationMs / 1_000);
      }),
      dispatcher.subscribe(ModelRetried, (event) => {
        this.timings.retries.inc({ adapter: event.adapter, kind: event.kind });
      }),
      dispatcher.subscribe(BundleWritten, (event) => {
        this.timings.bundleWrite.observe(
          { loop: event.loop, outcome: event.outcome },
          event.durationMs / 1_000,
        );
      }),
    ];
    return () => {
      for (const unsubscribe of subscriptions) unsubscribe();
    };
  }

  /**
   * Report heartbeat ages, readiness and mailbox depths of `source` at every scrape. Returns a
   * function that stops reporting it.
   */
  watch(source: MetricsSource): () => void {
    this.sources = [...this.sources, source];
    return () => {
      this.sources = this.sources.filter((s) => s !== source);
    };
  }

  /** `name`, or `other` once {@link MAX_TOOL_LABELS} distinct names have been seen. */
  private toolLabel(name: string): string {
    if (this.toolLabels.has(name)) return name;
    if (this.toolLabels.size >= MAX_TOOL_LABELS) return "other";
    this.toolLabels.add(name);
    return name;
  }

  /** Every series in the Prometheus text format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Register the gauge of each watched loop's heartbeat age, read at scrape time. */
function heartbeatAgeGauge(
  prefix: string,
  registers: Registry[],
  sources: () => readonly MetricsSource[],
): void {
  new Gauge({
    name: `${prefix}loop_heartbeat_age_seconds`,
    help: "Seconds since each loop's last heartbeat.",
    labelNames: ["loop"],
    registers,
    collect() {
      this.reset();
      for (const source of sources()) {
        for (const loop of source.loops) this.set({ loop: loop.name }, loop.heartbeat.elapsedMs() / 1_000);
      }
    },
  });
}

/** Register the readiness gauge: 1 when every watched readiness check passes (and there is one). */
function workerReadyGauge(
  prefix: string,
  registers: Registry[],
  sources: () => readonly MetricsSource[],
): void {
  new Gauge({
    name: `${prefix}worker_ready`,
    help: "1 when every loop is running with a fresh heartbeat, else 0.",
    registers,
    collect() {
      const checks = sources().flatMap((source) => (source.ready ? [source.ready] : []));
      this.set(checks.length > 0 && checks.every(safeReady) ? 1 : 0);
    },
  });
}

/** Register the gauge of each watched loop's request-mailbox depth, counted at scrape time. */
function mailboxDepthGauge(
  prefix: string,
  registers: Registry[],
  sources: () => readonly MetricsSource[],
): void {
  new Gauge({
    name: `${prefix}mailbox_depth`,
    help: "Messages waiting or in flight in each loop's request mailbox.",
    labelNames: ["mailbox"],
    registers,
    async collect() {
      this.reset();
      // Loops may share a mailbox; count each one once.
      const mailboxes = new Set<Mailbox<unknown>>();
      for (const source of sources()) {
        for (const loop of source.loops) if (loop.requests) mailboxes.add(loop.requests);
      }
      const depths = await Promise.all([...mailboxes].map(countOrSkip));
      for (const depth of depths) if (depth) this.set({ mailbox: depth.name }, depth.count);
    },
  });
}

function safeReady(check: () => boolean): boolean {
  try {
    return check() === true;
  } catch (error) {
    log.error("metrics.readiness_failed", "The readiness check threw; reporting not ready.", { error });
    return false;
  }
}

async function countOrSkip(mailbox: Mailbox<unknown>): Promise<{ name: string; count: number } | undefined> {
  try {
    return { name: mailbox.name, count: await mailbox.approximateCount() };
  } catch (error) {
    log.warning(
      "metrics.mailbox_depth_failed",
      `Could not count mailbox "${mailbox.name}"; its depth is left out of this scrape.`,
      { mailbox: mailbox.name, error },
    );
    return undefined;
  }
}
