/**
 * Arrays built on every model turn, sized to what they hold. A push onto `[]` reserves 17 slots
 * (about 150 bytes), and most of these arrays hold one element or none. Measured with V8's
 * sampling heap profiler over the soak script, building the conversations' per-turn arrays this
 * way allocates about 0.8–1 KB less per turn on each SDK adapter.
 */

import type { ToolCall } from "../prompt/index.js";

/** The tool calls of a turn that calls none; shared, so never mutate it. */
export const NO_TOOL_CALLS: readonly ToolCall[] = Object.freeze([]);

/** `list` with `item` appended; the first item creates the array at its exact size. */
export function appended<T>(list: T[] | undefined, item: T): T[] {
  if (list === undefined) return [item];
  list.push(item);
  return list;
}
