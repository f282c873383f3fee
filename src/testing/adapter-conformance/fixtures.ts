/**
 * The agent definitions the adapter conformance cases evaluate: one WINK tool whose handler
 * records what it was given, a structured answer with a bounded field (so an answer can fail the
 * schema while being well-formed JSON), and templates for task completion, feedback and a
 * workspace. Internal to the suite.
 */

import { z } from "zod";
import {
  type FeedbackProviderConfig,
  MarkdownSection,
  PromptTemplate,
  type TaskCompletionChecker,
  Tool,
  ToolResult,
} from "../../prompt/index.js";
import { WorkspaceSection } from "../../workspace/index.js";

/** The name the conformance tool's handler returns for every entity. */
export const ENTITY_NAME = "Ada Lovelace";

/** Parameters of the conformance tool: `detail` has a default, so typed params differ from raw ones. */
export const LookupParams = z.object({
  entityId: z.string(),
  detail: z.enum(["short", "full"]).default("short"),
});

/** The typed parameters the lookup handler receives. */
export type LookupParams = z.infer<typeof LookupParams>;

/** The structured answer; `confidence` outside 0..1 is valid JSON that fails the schema. */
const Answer = z.object({ answer: z.string(), confidence: z.number().min(0).max(1) });

/** A `lookup` tool whose handler appends the params it receives to `calls`. */
export function lookupTool(calls: LookupParams[]) {
  return new Tool({
    name: "lookup",
    description: "Look up an entity by id and return its name.",
    params: LookupParams,
    result: z.object({ name: z.string() }),
    handler: (params) => {
      calls.push(params);
      return ToolResult.ok({ name: ENTITY_NAME }, `Entity ${params.entityId} is ${ENTITY_NAME}.`);
    },
  });
}

/** Options of {@link conformanceTemplate}. */
export interface TemplateOptions {
  readonly key: string;
  readonly calls?: LookupParams[];
  readonly taskCompletion?: TaskCompletionChecker;
  readonly feedback?: readonly FeedbackProviderConfig[];
}

/** A free-text template offering the lookup tool (and a completion check or feedback when given). */
export function conformanceTemplate(options: TemplateOptions) {
  return new PromptTemplate({
    ns: "conformance",
    key: options.key,
    sections: [
      new MarkdownSection({
        key: "task",
        title: "Task",
        template: "Find out who entity 42 is with the lookup tool, then answer in one sentence.",
        tools: [lookupTool(options.calls ?? [])],
      }),
    ],
    ...(options.taskCompletion
      ? { taskCompletion: { checker: options.taskCompletion, maxContinuations: 1 } }
      : {}),
    ...(options.feedback ? { feedback: options.feedback } : {}),
  });
}

/** A template whose answer must match {@link Answer}. */
export function answerTemplate() {
  return new PromptTemplate({
    ns: "conformance",
    key: "answer",
    output: Answer,
    sections: [
      new MarkdownSection({
        key: "task",
        title: "Task",
        template: "Say who entity 42 is, with your confidence between 0 and 1.",
      }),
    ],
  });
}

/** A template with a workspace section; the workspace itself is bound by the case. */
export function workspaceTemplate() {
  return new PromptTemplate({
    ns: "conformance",
    key: "workspace",
    sections: [
      new MarkdownSection({ key: "task", title: "Task", template: "Read repo/notes.md and summarize it." }),
      new WorkspaceSection(),
    ],
  });
}
