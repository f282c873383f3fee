import { getEventListeners, once } from "node:events";
import { describe, expect, it } from "vitest";
import { EvaluationSignal } from "../../src/adapters/evaluation-signal.js";
import { linkSignal } from "../../src/deadline.js";

/** Listeners on the signal's own EventTarget: only the EvaluationSignal itself, or extras. */
const listeners = (signal: AbortSignal): number => getEventListeners(signal, "abort").length;

describe("EvaluationSignal lending", () => {
  it("drops the listeners added during a loan when the loan ends, as a leaky SDK never does", () => {
    const requests = EvaluationSignal.acquire();
    const calls: string[] = [];
    for (let i = 0; i < 50; i++) {
      const signal = requests.lend();
      signal.addEventListener("abort", () => calls.push(`fn ${i}`), { once: true });
      signal.addEventListener("abort", { handleEvent: () => calls.push(`object ${i}`) });
      requests.reclaim();
    }
    // Node's EventTarget only ever holds the EvaluationSignal's own listener.
    expect(listeners(requests.signal)).toBe(1);
    requests.abort(new Error("stop"));
    expect(calls).toEqual([]);
  });

  it("calls the listeners of the current loan when the signal aborts, in order, with the event and the signal as this", () => {
    const requests = EvaluationSignal.acquire();
    const signal = requests.lend();
    const seen: unknown[] = [];
    signal.addEventListener("abort", function (this: unknown, event: Event) {
      seen.push(["fn", this === signal, event.type, signal.reason]);
    });
    signal.addEventListener("abort", { handleEvent: (event: Event) => seen.push(["object", event.type]) });
    requests.abort(new Error("shutting down"));
    expect(seen).toEqual([
      ["fn", true, "abort", new Error("shutting down")],
      ["object", "abort"],
    ]);
    expect(requests.aborted).toBe(true);
    requests.release();
  });

  it("honours removeEventListener during a loan, and a listener added twice runs once", () => {
    const requests = EvaluationSignal.acquire();
    const signal = requests.lend();
    let removedRan = false;
    let keptRuns = 0;
    const removed = (): void => {
      removedRan = true;
    };
    const kept = (): void => {
      keptRuns++;
    };
    signal.addEventListener("abort", removed);
    signal.addEventListener("abort", kept);
    signal.addEventListener("abort", kept);
    signal.removeEventListener("abort", removed);
    requests.abort(undefined);
    expect([removedRan, keptRuns]).toEqual([false, 1]);
  });

  it("still runs the other listeners when one throws, and reports the error as uncaught", async () => {
    const requests = EvaluationSignal.acquire();
    const signal = requests.lend();
    let ran = false;
    signal.addEventListener("abort", () => {
      throw new Error("listener failed");
    });
    signal.addEventListener("abort", () => {
      ran = true;
    });
    const uncaught = new Promise<unknown>((resolve) => {
      const previous = process.listeners("uncaughtException");
      process.removeAllListeners("uncaughtException");
      process.once("uncaughtException", (error) => {
        for (const listener of previous) process.on("uncaughtException", listener);
        resolve(error);
      });
    });
    requests.abort(undefined);
    expect(ran).toBe(true);
    await expect(uncaught).resolves.toEqual(new Error("listener failed"));
  });

  it("keeps the lent signal an AbortSignal that Node's own helpers accept", async () => {
    const requests = EvaluationSignal.acquire();
    const signal = requests.lend();
    expect(signal).toBeInstanceOf(AbortSignal);
    const combined = AbortSignal.any([signal]);
    const aborted = once(signal, "abort");
    requests.abort(new Error("stop"));
    await aborted;
    expect(combined.reason).toEqual(new Error("stop"));
    requests.release();
  });

  it("calls listeners added outside a loan on abort, and keeps them across loans", () => {
    const requests = EvaluationSignal.acquire();
    const calls: string[] = [];
    requests.signal.addEventListener("abort", () => calls.push("evaluation"));
    requests.lend().addEventListener("abort", () => calls.push("request"));
    requests.reclaim();
    requests.abort(undefined);
    expect(calls).toEqual(["evaluation"]);
  });

  it("removes other kinds of listeners added during a loan when the loan ends", () => {
    const requests = EvaluationSignal.acquire();
    let ran = 0;
    requests.lend().addEventListener("custom", () => ran++);
    requests.reclaim();
    requests.signal.dispatchEvent(new Event("custom"));
    expect(ran).toBe(0);
    requests.release();
  });
});

describe("EvaluationSignal reuse", () => {
  it("serves the next evaluation with a signal that did not abort, carrying nothing of the last", () => {
    const first = EvaluationSignal.acquire();
    const calls: string[] = [];
    first.lend().addEventListener("abort", () => calls.push("stale request"));
    first.reclaim();
    using link = linkSignal(first.signal);
    link.signal.addEventListener("abort", () => calls.push("stale tool"));
    link.release();
    first.release();

    const second = EvaluationSignal.acquire();
    expect(second).toBe(first);
    expect(second.signal.aborted).toBe(false);
    second.abort(new Error("second evaluation cancelled"));
    expect(calls).toEqual([]);
    expect(second.signal.reason).toEqual(new Error("second evaluation cancelled"));
  });

  it("never reuses a signal that aborted", () => {
    const first = EvaluationSignal.acquire();
    first.abort(new Error("deadline"));
    first.release();
    const next = EvaluationSignal.acquire();
    expect(next).not.toBe(first);
    expect(next.aborted).toBe(false);
    expect(next.signal.aborted).toBe(false);
    next.release();
  });

  it("never reuses a signal whose controller was handed out", () => {
    const first = EvaluationSignal.acquire();
    const controller = first.pin();
    first.release();
    expect(EvaluationSignal.acquire()).not.toBe(first);
    controller.abort(new Error("aborted by the SDK"));
    expect(first.aborted).toBe(true);
  });

  it("keeps a signal that something outside still listens to with its evaluation", () => {
    const first = EvaluationSignal.acquire();
    const link = linkSignal(first.signal); // a tool's signal, never released
    first.release();
    const next = EvaluationSignal.acquire();
    expect(next).not.toBe(first);
    next.release();
    first.abort(new Error("late"));
    expect(link.signal.reason).toEqual(new Error("late"));
  });

  it("keeps a signal with a listener it cannot take back (another event type) with its evaluation", () => {
    const first = EvaluationSignal.acquire();
    first.signal.addEventListener("custom", () => {});
    first.release();
    expect(EvaluationSignal.acquire()).not.toBe(first);
  });

  it("gives evaluations that run at once a signal each", () => {
    const a = EvaluationSignal.acquire();
    const b = EvaluationSignal.acquire();
    expect(a.signal).not.toBe(b.signal);
    a.release();
    b.release();
    // Released twice: still handed to one evaluation at a time.
    b.release();
    const c = EvaluationSignal.acquire();
    const d = EvaluationSignal.acquire();
    expect(c).not.toBe(d);
    c.release();
    d.release();
  });

  it("retires a signal after a thousand evaluations", () => {
    // Holding more than the pool keeps means the next signal is a new one.
    const held = Array.from({ length: 65 }, () => EvaluationSignal.acquire());
    const first = EvaluationSignal.acquire();
    first.release();
    let served = 1;
    for (;;) {
      const next = EvaluationSignal.acquire();
      if (next !== first) break;
      served++;
      next.release();
    }
    expect(served).toBe(1_000);
    for (const signal of held) signal.release();
  });
});
