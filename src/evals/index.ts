/**
 * `weakincentives/evals`: datasets and evaluators, to know whether an agent change made things
 * better or worse. See docs/evals.md.
 */

export { BASELINE, type Experiment, ExperimentSchema, experiment } from "../experiment.js";
export { type Comparison, compareReports, type SampleDiff } from "./compare.js";
export { Dataset, DatasetError, type DatasetSchemas, type Sample } from "./dataset.js";
export {
  defineEvaluation,
  type EvaluationDefinition,
  type EvaluationModel,
  evaluationOf,
} from "./definition.js";
export {
  type EvalAgent,
  EvalLoop,
  type EvalLoopOptions,
  type EvalRequest,
  evalRequestSchema,
} from "./eval-loop.js";
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
  type ExperimentComparison,
  type ExperimentReport,
  type ExperimentRun,
  experimentReport,
  experimentsToRun,
} from "./experiment.js";
export { type HtmlReportOptions, renderHtmlReport } from "./html-report.js";
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
  type ScoreTrialOptions,
  scoreTrial,
  summarize,
  toolCallsOf,
} from "./run.js";
export { type RunExperimentsOptions, runExperiments } from "./run-experiments.js";
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
export { type SubmitDatasetOptions, submitDataset } from "./submit.js";
export { DEFAULT_TRANSIENT_RETRY, type TransientRetry } from "./transient.js";
