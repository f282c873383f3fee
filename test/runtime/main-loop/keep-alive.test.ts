/**
 * A running MainLoop holds the process open (its waits are on unref'd timers), and lets go when
 * `run()` returns, so a stopped worker exits by itself. The process-level proof is
 * `test/faults/unreachable-broker.test.ts`; this checks the handle's lifetime.
 */
import { expect, it } from "vitest";
import { holdProcessOpen } from "../../../src/runtime/main-loop/keep-alive.js";
import { scripted, setup } from "./fixtures.js";

const ports = (): number => process.getActiveResourcesInfo().filter((r) => r === "MessagePort").length;
/** A closed port leaves the resource list on a later turn of the event loop: wait for it. */
const portsBackTo = (count: number): Promise<void> => expect.poll(ports).toBe(count);

it("holdProcessOpen adds one live handle, and its release removes it (twice is harmless)", async () => {
  const before = ports();
  const release = holdProcessOpen();
  expect(ports()).toBe(before + 1);
  release();
  release();
  await portsBackTo(before);
});

it("run() holds the process open while it runs and lets go when it returns", async () => {
  const { adapter } = scripted([{ text: '{"answer": "x"}' }], { repeat: true });
  const { loop, clock } = setup(adapter, { waitTimeSeconds: 0 });
  const before = ports();
  const stop = new AbortController();
  const running = loop.run({ signal: stop.signal });
  expect(ports()).toBe(before + 1);
  stop.abort();
  await clock.tick(1_000);
  await running;
  await portsBackTo(before);
});
