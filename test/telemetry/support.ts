/**
 * An OpenTelemetry SDK registered globally for one test: spans land in memory, and a small
 * synchronous context manager makes `context.with` work without async hooks.
 */
import { type Context, type ContextManager, context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

/** A registered provider and what it exported. */
export interface TestTracing {
  readonly exporter: InMemorySpanExporter;
  readonly provider: BasicTracerProvider;
  /** The finished spans, in the order they ended. */
  spans(): ReadableSpan[];
  /** The one finished span with this name. */
  span(name: string): ReadableSpan;
}

/** Register a fresh in-memory SDK as the global tracer provider. Undo with {@link unregisterTracing}. */
export function registerTracing(): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  if (!trace.setGlobalTracerProvider(provider)) throw new Error("a tracer provider is already registered");
  return {
    exporter,
    provider,
    spans: () => exporter.getFinishedSpans(),
    span: (name) => {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name);
      if (found.length !== 1) throw new Error(`expected one span named ${name}, got ${found.length}`);
      return found[0]!;
    },
  };
}

/** Remove the global tracer provider and context manager. */
export function unregisterTracing(): void {
  trace.disable();
  context.disable();
}

/** A context manager for synchronous code: `with` pushes, runs, pops. */
class StackContextManager implements ContextManager {
  #stack: Context[] = [];
  active(): Context {
    return this.#stack.at(-1) ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    this.#stack.push(ctx);
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.#stack.pop();
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#stack = [];
    return this;
  }
}

/** Register {@link StackContextManager} globally, so OpenTelemetry has an active context. */
export function registerContextManager(): void {
  context.setGlobalContextManager(new StackContextManager());
}
