/**
 * bench/session-log: does recording telemetry in a session stay linear as the session grows?
 * Events without reducers (ToolInvoked, PromptRendered, PromptExecuted) go to LOG slices; a long
 * evaluation or a long-lived session records thousands. One session takes N ToolInvoked events
 * (default 100,000) and the time per event of the first and the last tenth is reported; target:
 * the last within 2× of the first (a slice copied on every append grows linearly per event).
 *
 * Run: `npx tsx --conditions=wink-source bench/session-log.ts [--events N]`.
 */

import { parseArgs } from "node:util";
import { Session, ToolInvoked, ToolResult } from "weakincentives";
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

const session = new Session();
const tenth = Math.floor(events / 10);
const windows: number[] = [];
let started = process.hrtime.bigint();
for (let i = 0; i < events; i++) {
  session.dispatch(event(i));
  if ((i + 1) % tenth === 0) {
    const now = process.hrtime.bigint();
    windows.push(Number(now - started) / 1_000 / tenth);
    started = now;
  }
}
const recorded = session.slice(ToolInvoked).all().length;
if (recorded !== events) throw new Error(`bench/session-log: recorded ${recorded} of ${events} events`);
const first = windows[0] ?? Number.NaN;
const last = windows.at(-1) ?? Number.NaN;
const ratio = last / first;
report(
  "session-log",
  [
    `${events} ToolInvoked events into one session's LOG slice`,
    `per event: first tenth ${first.toFixed(2)} µs, last tenth ${last.toFixed(2)} µs → ×${ratio.toFixed(2)} (target ≤ 2)`,
  ],
  {
    events,
    firstUs: Number(first.toFixed(3)),
    lastUs: Number(last.toFixed(3)),
    ratio: Number(ratio.toFixed(2)),
    pass: ratio <= 2,
  },
);
