/**
 * `weakincentives/evals`: datasets and evaluators, to know whether an agent change made things
 * better or worse. See docs/evals.md.
 */

export { type Comparison, compareReports, type SampleDiff } from "./compare.js";
export { Dataset, DatasetError, type DatasetSchemas, type Sample } from "./dataset.js";
export {
  allOf,
  allToolsSucceeded,
  anyOf,
  contains,
  costUnder,
  exactMatch,
  latencyUnder,
  matches,
  matchesSchema,
  select,
  sessionSatisfies,
  tokensUnder,
  toolCalled,
  toolNotCalled,
  weighted,
  withinTolerance,
} from "./evaluators.js";
export {
  JUDGE_RATINGS,
  type JudgeRating,
  type JudgeVerdict,
  JudgeVerdictSchema,
  type LlmJudgeOptions,
  llmJudge,
} from "./judge.js";
export {
  type AgentRun,
  type EvalReport,
  type EvalResult,
  type EvalSummary,
  type EvaluateDatasetOptions,
  evaluateDataset,
  summarize,
} from "./run.js";
export {
  type EvalContext,
  type Evaluator,
  fail,
  pass,
  runEvaluator,
  type Score,
  score,
  type ToolCallRecord,
} from "./score.js";
export { meanInterval, quantile, wilsonInterval } from "./stats.js";
