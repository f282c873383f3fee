/**
 * The watchdog thread's program, as JavaScript source for `new Worker(source, { eval: true })`.
 *
 * It is a string rather than a module file so the same code runs from `src/` under tsx or vitest
 * and from the bundled `dist/` without any file to locate or copy. It must stay plain
 * CommonJS-flavoured JavaScript with no imports from this package.
 *
 * The stall and kill rules here mirror `findStalledLoops` and `confirmedStalls` in
 * `../watchdog.ts` (unit-tested there); the process-level tests prove this copy.
 *
 * workerData:
 * - `boards`: `{ buffer: SharedArrayBuffer, slots: [slot, loopName][] }[]` — heartbeat boards
 *   holding epoch microseconds per slot (BigInt64, 0 = never beaten)
 * - `control`: `SharedArrayBuffer` of one Int32; the main thread stores 1 and notifies to stop
 * - `thresholdMs`, `intervalMs`: numbers
 * - `format`: `"json"` | `"text"`, the main logger's format; `logger`: the logger name
 *
 * @internal
 */
export const WATCHDOG_WORKER_SOURCE = String.raw`
"use strict";
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");

const { boards, control, thresholdMs, intervalMs, format, logger } = workerData;
const stop = new Int32Array(control);
const watched = boards.map((board) => ({ beats: new BigInt64Array(board.buffer), slots: board.slots }));

// This thread cannot share the main thread's injected Clock (it may be blocked, and a clock is
// not transferable), so it reads the system wall clock, the same source heartbeats are written
// with in production.
const epochMs = Date.now;

function seconds(ms) {
  return (ms / 1000).toFixed(1);
}

// Written with writeSync on fd 2: process.stderr in a worker is relayed through the main thread,
// which may be the very thing that is stuck.
function critical(event, message, context) {
  const timestamp = new Date(epochMs()).toISOString();
  let line;
  if (format === "json") {
    line = JSON.stringify({ level: "CRITICAL", timestamp, logger, event, context, message });
  } else {
    line = [timestamp, "CRITICAL", logger, event, message].join(" ");
    if (Object.keys(context).length > 0) line += " " + JSON.stringify(context);
  }
  try {
    writeSync(2, line + "\n");
  } catch {
    // Nothing left to report to; the kill below still matters more.
  }
}

// Keyed by board and slot; the value is the raw last beat (microseconds).
function findStalled(nowMs) {
  const stalled = [];
  for (let b = 0; b < watched.length; b++) {
    const board = watched[b];
    for (const [slot, name] of board.slots) {
      const micros = Atomics.load(board.beats, slot);
      if (micros === 0n) continue;
      const stalledMs = nowMs - Number(micros) / 1000;
      if (stalledMs > thresholdMs) stalled.push({ key: b + ":" + slot, micros, name, stalledMs });
    }
  }
  return stalled;
}

// A loop is killed only when the previous check found it stalled on the same beat, so readiness
// (503 from the threshold on) has at least one interval to act before the kill.
let suspects = new Map();
while (Atomics.wait(stop, 0, 0, intervalMs) === "timed-out") {
  const current = findStalled(epochMs());
  const stalled = current.filter((s) => suspects.get(s.key) === s.micros);
  suspects = new Map(current.map((s) => [s.key, s.micros]));
  if (stalled.length === 0) continue;
  for (const { name, stalledMs } of stalled) {
    critical(
      "watchdog.stall",
      "Watchdog: " + name + " stalled for " + seconds(stalledMs) + "s (threshold: " + seconds(thresholdMs) + "s)",
      { loop: name, stalledSeconds: stalledMs / 1000, thresholdSeconds: thresholdMs / 1000 },
    );
  }
  critical("watchdog.terminate", "Watchdog: terminating process due to stalled workers", {
    loops: stalled.map((s) => s.name),
    pid: process.pid,
  });
  process.kill(process.pid, "SIGKILL");
}
`;
