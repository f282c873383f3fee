/** Data types and telemetry builders shared by the session tests. */

import { z } from "zod";
import { defineType } from "../../src/data-type.js";
import { PromptExecuted, PromptRendered, ToolInvoked } from "../../src/events/index.js";

export const Plan = defineType("Plan", z.object({ steps: z.array(z.string()) }));
export const AddStep = defineType("AddStep", z.object({ step: z.string() }));
export const Task = defineType("Task", z.object({ id: z.string(), done: z.boolean() }));
export const Note = defineType("Note", z.object({ text: z.string() }));

const common = { eventId: "e-1", createdAt: "2025-01-01T00:00:00.000Z", adapter: "test" };

/** A ToolInvoked whose raw result is `result`. */
export function toolInvoked(result: unknown, success = true) {
  return ToolInvoked.create({
    ...common,
    promptName: "p",
    name: "lookup",
    params: {},
    result,
    success,
    isError: !success,
    message: success ? "ok" : "failed",
    renderedOutput: "",
  });
}

/** A PromptExecuted whose output is `output`. */
export function promptExecuted(output: unknown) {
  return PromptExecuted.create({ ...common, promptName: "p", result: { promptName: "p", output } });
}

/** A PromptRendered for prompt `p`. */
export function promptRendered() {
  return PromptRendered.create({
    ...common,
    promptNs: "ns",
    promptKey: "p",
    renderInputs: {},
    renderedPrompt: "hello",
  });
}
