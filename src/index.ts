/**
 * `weakincentives`: the names every user needs — define agents (prompts, sections, tools,
 * structured output), hold their state (sessions), and bound them (deadlines, budgets).
 * Everything else lives on a subpath: `weakincentives/prompt`, `weakincentives/runtime`,
 * `weakincentives/resources`, `weakincentives/secrets`, `weakincentives/testing`.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { MarkdownSection, Prompt, PromptTemplate, Session } from "weakincentives";
 *
 * const template = new PromptTemplate({
 *   ns: "examples",
 *   key: "hello",
 *   output: z.object({ greeting: z.string() }),
 *   sections: [new MarkdownSection({ key: "task", title: "Task", template: "Greet the user." })],
 * });
 * const rendered = new Prompt(template).render({ session: new Session() });
 * ```
 */

export {
  addUsage,
  Budget,
  type BudgetLimits,
  BudgetTracker,
  type TokenUsage,
  totalTokens,
} from "./budget.js";
export {
  type Clock,
  type MonotonicClock,
  type Sleeper,
  SYSTEM_CLOCK,
  SystemClock,
  type TimerHandle,
  type WallClock,
} from "./clock.js";
export { type Data, type DataOf, type DataType, defineType, typeOf } from "./data-type.js";
export { anySignal, Deadline, type LinkedSignal, linkSignal } from "./deadline.js";
export {
  type BudgetDimension,
  BudgetExceededError,
  DeadlineExceededError,
  isWinkError,
  OutputParseError,
  PromptError,
  PromptRenderError,
  PromptValidationError,
  SnapshotRestoreError,
  SnapshotSerializationError,
  ToolValidationError,
  TransactionError,
  VisibilityExpansionRequired,
  WinkError,
  type WinkErrorCode,
  type WinkErrorOptions,
  WorkspaceSecurityError,
} from "./errors.js";
export { InProcessDispatcher, PromptExecuted, PromptRendered, ToolInvoked } from "./events/index.js";
export { BASELINE, type Experiment, ExperimentSchema, experiment } from "./experiment.js";
export {
  type AnySection,
  type AnyTool,
  MarkdownSection,
  type MarkdownSectionOptions,
  type OutputSpec,
  type ParamsOfSections,
  Prompt,
  type PromptOptions,
  PromptTemplate,
  type PromptTemplateOptions,
  parseStructuredOutput,
  ReadBeforeWritePolicy,
  type RenderedPrompt,
  type RenderedTool,
  Section,
  type SectionOptions,
  type SectionVisibility,
  SequentialDependencyPolicy,
  setSectionVisibility,
  Tool,
  type ToolContext,
  type ToolOptions,
  type ToolPolicy,
  ToolResult,
} from "./prompt/index.js";
export { createRunContext, type RunContext } from "./run-context.js";
export { SchemaValidationError } from "./schema.js";
export { Session, type SessionOptions } from "./session/index.js";
