/**
 * bench/session-log: does recording telemetry in a session stay linear as the session grows?
 * Events without reducers (ToolInvoked, PromptRendered, PromptExecuted) go to LOG slices; a long
 * evaluation or a long-lived session records thousands. One session takes N ToolInvoked events
 * (default 100,000); a second session takes as many events through a reducer that reads the
 * slice's latest value and appends (a ledger). For each, the time per event of the first and the
 * last tenth is reported; target: the last within 2× of the first (a slice copied on every
 * append grows linearly per event).
 *
 * Run: `npx tsx --conditions=wink-source bench/session-log.ts [--events N]`.
 */

import { parseArgs } from "node:util";
import { defineType, Session, ToolInvoked, ToolResult } from "weakincentives";
import { op } from "weakincentives/runtime";
import { z } from "zod";
import { report } from "./stats.js";

const { values: args } = parseArgs({ options: { events: { type: "string", default: "100000" } } });
const events = Number(args.events);
if (!Number.isInteger(events) || events < 100) {
  throw new Error(`bench/session-log: --events must be an integer >= 100, got ${args.events}`);
}

const result = ToolResult.ok({ count: 1 });
const event = (i: number) =>
  ToolInvoked.create({
    eventId: `e-${i}`,
    createdAt: "2026-01-01T00:00:00.000Z",
    adapter: "bench",
    promptName: "bench/session-log",
    sessionId: "s",
    name: "lookup",
    params: {},
    result,
    success: true,
    isError: false,
    message: "",
    renderedOutput: '{"count":1}',
  });

/** Per-event µs of each tenth of `events` dispatches of `make(i)` into `session`. */
function tenths(session: Session, make: (i: number) => object): number[] {
  const tenth = Math.floor(events / 10);
  const windows: number[] = [];
  let started = process.hrtime.bigint();
  for (let i = 0; i < events; i++) {
    session.dispatch(make(i));
    if ((i + 1) % tenth === 0) {
      const now = process.hrtime.bigint();
      windows.push(Number(now - started) / 1_000 / tenth);
      started = now;
    }
  }
  return windows;
}

// Without a reducer: each event goes to its own LOG slice.
const logged = new Session();
const logWindows = tenths(logged, event);
const recorded = logged.slice(ToolInvoked).all().length;
if (recorded !== events) throw new Error(`bench/session-log: recorded ${recorded} of ${events} events`);

// With a reducer that reads the slice's latest value and appends (a ledger with a running total).
const Entry = defineType("BenchEntry", z.object({ n: z.number(), total: z.number() }));
const ledger = new Session();
ledger
  .slice(Entry)
  .register(Entry, (view, entry) =>
    op.append(Entry.create({ n: entry.n, total: (view.latest()?.total ?? 0) + entry.n })),
  );
const ledgerWindows = tenths(ledger, (i) => Entry.create({ n: i, total: 0 }));
const kept = ledger.slice(Entry).all();
if (kept.length !== events || kept.at(-1)?.total !== (events * (events - 1)) / 2) {
  throw new Error("bench/session-log: the ledger reducer lost events");
}

const ratioOf = (windows: readonly number[]) => (windows.at(-1) ?? Number.NaN) / (windows[0] ?? Number.NaN);
const describe = (what: string, windows: readonly number[]) =>
  `${what}: first tenth ${windows[0]?.toFixed(2)} µs, last tenth ${windows.at(-1)?.toFixed(2)} µs → ×${ratioOf(windows).toFixed(2)} (target ≤ 2)`;
const figures = (windows: readonly number[]) => ({
  firstUs: Number(windows[0]?.toFixed(3)),
  lastUs: Number(windows.at(-1)?.toFixed(3)),
  ratio: Number(ratioOf(windows).toFixed(2)),
});
const pass = ratioOf(logWindows) <= 2 && ratioOf(ledgerWindows) <= 2;
report(
  "session-log",
  [
    `${events} events into one session, per event:`,
    describe("  ToolInvoked into its LOG slice (no reducer)", logWindows),
    describe("  a reducer reading view.latest() and appending", ledgerWindows),
  ],
  { events, log: figures(logWindows), reducer: figures(ledgerWindows), pass },
);
