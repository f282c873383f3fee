/**
 * The agent-definition layer: prompt templates made of sections, each carrying its text and its
 * tools; typed tools and structured output; progressive disclosure; tool policies; and the tool
 * executor every adapter shares.
 */

// The zod helpers structured output and tool arguments are checked with.
export {
  formatIssues,
  type JsonSchema,
  parseWith,
  type SchemaIssue,
  schemaIssues,
  toJsonSchema,
} from "../schema.js";
export { executeToolCall, type ToolCall, type ToolExecution, type ToolExecutionContext } from "./executor.js";
export {
  collectFeedback,
  Feedback,
  type FeedbackContent,
  type FeedbackContext,
  type FeedbackProvider,
  type FeedbackProviderConfig,
  type FeedbackRecord,
  type FeedbackScope,
  type FeedbackSeverity,
  type FeedbackTrigger,
  formatFeedback,
} from "./feedback.js";
export {
  DeadlineFeedback,
  type DeadlineFeedbackOptions,
  FileCreatedFeedback,
  type FileCreatedFeedbackOptions,
  StaticFeedback,
  type StaticFeedbackOptions,
} from "./feedback-providers.js";
export { MarkdownSection, type MarkdownSectionOptions } from "./markdown-section.js";
export * from "./overrides/index.js";
export {
  hasPolicyFact,
  PolicyDecision,
  PolicyRecord,
  type ReadBeforeWriteOptions,
  ReadBeforeWritePolicy,
  recordPolicyFact,
  type SequentialDependencyOptions,
  SequentialDependencyPolicy,
  type ToolPolicy,
} from "./policies.js";
export {
  applyVisibilityExpansion,
  DISCLOSURE_TOOL_NAMES,
  setSectionVisibility,
  VisibilityOverride,
  visibilityOverrides,
} from "./progressive-disclosure.js";
export {
  type EvaluablePrompt,
  type ParamsOfSections,
  Prompt,
  type PromptOptions,
  type RenderOptions,
} from "./prompt.js";
export type { RenderedPrompt, RenderedSection, RenderedTool } from "./render.js";
export {
  type AnySection,
  Section,
  type SectionOptions,
  type SectionRenderContext,
  type SectionVisibility,
} from "./section.js";
export { extractJson, parseStructuredOutput, validateOutput } from "./structured-output.js";
export {
  CompositeChecker,
  type CompositeCheckerOptions,
  DEFAULT_MAX_CONTINUATIONS,
  FileExistsChecker,
  type FileExistsCheckerOptions,
  type RequiredFile,
  SessionPredicateChecker,
  type SessionPredicateCheckerOptions,
  type TaskCompletionChecker,
  type TaskCompletionConfig,
  type TaskCompletionContext,
  TaskCompletionResult,
  type TaskCompletionSpec,
} from "./task-completion.js";
export {
  type OutputSpec,
  PromptTemplate,
  type PromptTemplateOptions,
  type ToolLocation,
} from "./template.js";
export { type ParsedTemplateText, parseTemplateText } from "./template-text.js";
export {
  type AnyTool,
  Tool,
  type ToolContext,
  type ToolExample,
  type ToolHandler,
  type ToolOptions,
  ToolResult,
} from "./tool.js";
