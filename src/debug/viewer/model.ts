/**
 * What the bundle viewer shows, read from one bundle: the overview figures, a timeline of model
 * turns and tool calls in order, log records, session slices and files. Pure data, no HTML.
 */

import { type BundleLogRecord, type BundleSlice, DebugBundle } from "../load.js";

/** One entry of the timeline: a model turn or a tool call. */
export interface TimelineEntry {
  readonly kind: "model" | "tool";
  readonly time: string;
  /** Tool name, or the model's tool calls for a turn. */
  readonly title: string;
  readonly ok: boolean;
  /** Model-call latency, or the tool call's duration when recorded. */
  readonly latencyMs?: number;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Everything the viewer's pages need about one bundle. */
export interface BundleView {
  readonly bundle: DebugBundle;
  readonly timeline: readonly TimelineEntry[];
  readonly logs: readonly BundleLogRecord[];
  readonly slices: readonly BundleSlice[];
  readonly tokens: { readonly input: number; readonly output: number };
  readonly modelMs: number;
}

const num = (value: unknown): number => (typeof value === "number" ? value : 0);

/** Read the bundle at `dir` into a {@link BundleView}. */
export async function bundleView(dir: string): Promise<BundleView> {
  const bundle = await DebugBundle.load(dir);
  const logs = await bundle.logRecords();
  const slices = bundle.sessionSlices();
  const turns = logs.filter((row) => row.event === "provider.response");
  const model: TimelineEntry[] = turns.map((row) => {
    const context = row.context;
    const calls = Array.isArray(context.toolCalls) ? (context.toolCalls as { name?: string }[]) : [];
    return {
      kind: "model",
      time: row.time,
      title: calls.length > 0 ? `asks for ${calls.map((c) => c.name).join(", ")}` : "answers",
      ok: true,
      latencyMs: num(context.latencyMs),
      detail: context,
    };
  });
  const failedCalls = logs.filter((row) => row.event === "provider.error");
  const errors: TimelineEntry[] = failedCalls.map((row) => ({
    kind: "model",
    time: row.time,
    title: "provider error",
    ok: false,
    detail: row.context,
  }));
  const tools: TimelineEntry[] = bundle.sliceItems("ToolInvoked").map((call) => {
    return {
      kind: "tool",
      time: String(call.createdAt ?? ""),
      title: String(call.name ?? "?"),
      ok: call.success === true,
      ...(typeof call.durationMs === "number" ? { latencyMs: call.durationMs } : {}),
      detail: { params: call.params, message: call.message, result: call.result, callId: call.callId },
    };
  });
  // Stable: model turns before the tool calls they asked for when the times are equal.
  const timeline = [...model, ...errors, ...tools].sort((a, b) => a.time.localeCompare(b.time));
  return {
    bundle,
    timeline,
    logs,
    slices,
    tokens: {
      input: turns.reduce((sum, row) => sum + num(row.context.inputTokens), 0),
      output: turns.reduce((sum, row) => sum + num(row.context.outputTokens), 0),
    },
    modelMs: model.reduce((sum, entry) => sum + (entry.latencyMs ?? 0), 0),
  };
}
