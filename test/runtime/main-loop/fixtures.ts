/** A small agent, loop and queues for the MainLoop tests. */
import { z } from "zod";
import type { ProviderAdapter } from "../../../src/adapters/types.js";
import { FakeClock } from "../../../src/clock.js";
import { InProcessDispatcher } from "../../../src/events/index.js";
import { MarkdownSection, Prompt, PromptTemplate, Tool, ToolResult } from "../../../src/prompt/index.js";
import { type DeadLetter, DLQPolicy, type DLQPolicyOptions } from "../../../src/runtime/mailbox/dlq.js";
import { InMemoryMailbox } from "../../../src/runtime/mailbox/index.js";
import { MainLoop, type MainLoopConfig, type MainLoopResult } from "../../../src/runtime/main-loop/index.js";
import { InProcessAdapter, InProcessModel, type InProcessTurn } from "../../../src/testing/index.js";

export const Question = z.object({ question: z.string() });
export const Answer = z.object({ answer: z.string() });
export type AnswerT = z.infer<typeof Answer>;

const lookup = new Tool({
  name: "lookup",
  description: "Look something up.",
  params: z.object({ q: z.string() }),
  handler: ({ q }) => ToolResult.ok({ found: q }),
});

export const template = new PromptTemplate({
  ns: "tests/main-loop",
  key: "qa",
  output: Answer,
  sections: [
    new MarkdownSection({
      key: "question",
      title: "Question",
      params: Question,
      template: "${question}",
    }),
    new MarkdownSection({
      key: "tools",
      title: "Tools",
      template: "Lookup tools.",
      summary: "Lookup tools are available.",
      visibility: "summary",
      tools: [lookup],
    }),
  ],
});

/** A loop that binds the question into the template. */
export class QALoop extends MainLoop<z.infer<typeof Question>, AnswerT> {
  override prepare(request: z.infer<typeof Question>) {
    return new Prompt(template).bind({ question: request });
  }
}

let counter = 0;
/** A unique queue name per test, so parallel runs never collide. */
export function uniqueName(base: string): string {
  counter++;
  return `${base}-${process.pid}-${counter}`;
}

/** Queues, a fake clock and a loop around `adapter`. */
export function setup(
  adapter: ProviderAdapter,
  config: MainLoopConfig & { dlqOptions?: Partial<DLQPolicyOptions> } = {},
) {
  const clock = new FakeClock();
  const requests = new InMemoryMailbox<unknown, MainLoopResult<AnswerT>>({
    name: uniqueName("requests"),
    clock,
  });
  const results = new InMemoryMailbox<MainLoopResult<AnswerT>>({ name: uniqueName("results"), clock });
  const deadLetters = new InMemoryMailbox<DeadLetter>({ name: uniqueName("dlq"), clock });
  const dispatcher = new InProcessDispatcher();
  const { dlqOptions, ...rest } = config;
  const dlq = dlqOptions ? new DLQPolicy({ mailbox: deadLetters, ...dlqOptions }) : undefined;
  const loop = new QALoop({
    adapter,
    requests,
    requestSchema: Question,
    clock,
    name: "qa",
    config: { dispatcher, waitTimeSeconds: 0, ...(dlq ? { dlq } : {}), ...rest },
  });
  return { clock, requests, results, deadLetters, dispatcher, loop };
}

/** An adapter over scripted in-process turns. */
export function scripted(turns: InProcessTurn[], options: { repeat?: boolean } = {}) {
  const model = new InProcessModel(turns, options);
  return { model, adapter: new InProcessAdapter(model) };
}

/** An adapter whose evaluate always fails with `error`. */
export function failing(error: () => unknown): ProviderAdapter & { calls: number } {
  const adapter = {
    name: "failing",
    calls: 0,
    async evaluate(): Promise<never> {
      adapter.calls++;
      throw error();
    },
  };
  return adapter;
}

/** A well-formed request envelope. */
export function envelope(question: string, requestId = `req-${question}`) {
  return { request: { question }, requestId };
}

type Requests = ReturnType<typeof setup>["requests"];
type Received = Awaited<ReturnType<Requests["receive"]>>[number];

/** What {@link watchReceives} saw of the loop's receives. */
export interface ReceiveWatch {
  /** `maxMessages` of every receive, in order. */
  readonly asked: number[];
  inFlight: number;
  peak: number;
  /** The mailbox's own receive, for a test acting as another worker. */
  readonly receive: Requests["receive"];
}

/**
 * Wrap `requests.receive` to count receives in flight, hold a receive on `before` (given its
 * 1-based number), and show each received message to `each` with its request id.
 */
export function watchReceives(
  requests: Requests,
  hooks: {
    readonly before?: (call: number) => Promise<void> | void;
    readonly each?: (message: Received, requestId: string) => void;
    readonly empty?: () => void;
  } = {},
): ReceiveWatch {
  const receive = requests.receive.bind(requests);
  const watch: ReceiveWatch = { asked: [], inFlight: 0, peak: 0, receive };
  requests.receive = async (options) => {
    watch.asked.push(options?.maxMessages ?? 1);
    watch.peak = Math.max(watch.peak, ++watch.inFlight);
    try {
      await hooks.before?.(watch.asked.length);
      const messages = await receive(options);
      if (messages.length === 0) hooks.empty?.();
      for (const message of messages) hooks.each?.(message, requestIdOf(message));
      return messages;
    } finally {
      watch.inFlight--;
    }
  };
  return watch;
}

/** The request id of a received envelope. */
export function requestIdOf(message: { readonly body: unknown }): string {
  return (message.body as { requestId: string }).requestId;
}

/** Make `message.acknowledge` wait for `gate` first; `log` hears of the start and the end. */
export function holdAcknowledge(
  message: Received,
  gate: Promise<void>,
  log?: (step: "ack" | "acked") => void,
): void {
  const acknowledge = message.acknowledge.bind(message);
  message.acknowledge = async () => {
    log?.("ack");
    await gate;
    await acknowledge();
    log?.("acked");
  };
}

/** A promise and the function that resolves it. */
export function gate(): { readonly opened: Promise<void>; readonly open: () => void } {
  let open = (): void => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}
