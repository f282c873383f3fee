/**
 * Test helpers for the lifecycle: a controllable fake loop and a tiny HTTP client.
 *
 * @example
 * ```ts
 * const loop = new FakeLoop("reviews", { clock });
 * const group = new LoopGroup({ loops: [loop], watchdogThreshold: null, installSignals: false });
 * ```
 */

import { type Agent, request } from "node:http";
import type { Clock } from "../../../src/clock.js";
import { Heartbeat } from "../../../src/runtime/lifecycle/heartbeat.js";
import type { Runnable, RunOptions } from "../../../src/runtime/lifecycle/runnable.js";
import type { Mailbox } from "../../../src/runtime/mailbox/types.js";

/** What a fake loop does while running; default: wait for the abort. */
export type Behaviour = (options: RunOptions, loop: FakeLoop) => Promise<void>;

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal || signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** A Runnable whose `running` flag and behaviour the test controls. */
export class FakeLoop implements Runnable {
  running = false;
  readonly heartbeat: Heartbeat;
  readonly requests: Mailbox<unknown> | undefined;
  readonly calls: RunOptions[] = [];
  private readonly behaviour: Behaviour;

  constructor(
    readonly name: string,
    options: { clock?: Clock; requests?: Mailbox<unknown>; behaviour?: Behaviour } = {},
  ) {
    this.heartbeat = new Heartbeat(options.clock ? { clock: options.clock } : {});
    this.requests = options.requests;
    this.behaviour = options.behaviour ?? ((o) => aborted(o.signal));
  }

  async run(options: RunOptions = {}): Promise<void> {
    this.calls.push(options);
    this.running = true;
    try {
      await this.behaviour(options, this);
    } finally {
      this.running = false;
    }
  }
}

/** A plain HTTP answer. */
export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** `method path` against 127.0.0.1:`port`, without connection reuse unless an agent is given. */
export function http(
  port: number,
  path: string,
  options: { method?: string; agent?: Agent } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path, method: options.method ?? "GET", agent: options.agent ?? false },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}
