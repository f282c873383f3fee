/**
 * `AgentConfig`: the worker settings of the deployment guide, read from the environment and
 * checked against each other.
 *
 * The timeouts are related (see {@link checkCalibration}): a visibility timeout shorter than the
 * watchdog threshold plus the longest processing time redelivers messages that are still being
 * worked on, and a watchdog threshold shorter than a long poll plus processing kills healthy
 * workers. {@link AgentConfig.fromEnv} warns about such settings by default, or refuses them.
 *
 * @example
 * ```ts
 * import { AgentConfig, describeConfig } from "weakincentives/config";
 * import { getLogger, LoopGroup, type Runnable } from "weakincentives/runtime";
 *
 * declare const loop: Runnable; // your MainLoop
 * const config = AgentConfig.fromEnv(process.env, { calibration: "refuse" });
 * getLogger("worker").info("config.loaded", "Configuration loaded", describeConfig(config));
 * const group = new LoopGroup({
 *   loops: [loop],
 *   healthPort: config.healthPort,
 *   watchdogThreshold: config.watchdogThreshold,
 * });
 * ```
 */

import { getLogger, type Logger } from "../logging/index.js";
import {
  type CalibrationSetting,
  checkCalibration,
  formatCalibrationIssue,
} from "../runtime/lifecycle/calibration.js";
import { checkMailboxUrl } from "../runtime/mailbox/urls/index.js";
import { registerSecret } from "../secrets/index.js";
import { env } from "./fields.js";
import {
  type Config,
  type ConfigEnvironment,
  ConfigError,
  type ConfigIssue,
  type LoadConfigOptions,
  loadConfig,
} from "./load.js";

/** Values of `AGENT_ADAPTER`: the HTTP adapters (default), or Claude Code through the Claude Agent SDK. */
export const AGENT_ADAPTERS = ["http", "claude-agent-sdk"] as const;

/** A domain (`pypi.org`) or a wildcard over subdomains (`*.example.com`); no scheme, port or path. */
const DOMAIN = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Parse `AGENT_NETWORK_ALLOW`: comma-separated domains, blanks ignored; `undefined` if any is bad. */
export function parseDomainList(raw: string): readonly string[] | undefined {
  const domains = raw
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d !== "");
  return domains.every((d) => DOMAIN.test(d)) ? [...new Set(domains.map((d) => d.toLowerCase()))] : undefined;
}

/** The model the deployment guide runs by default. */
export const DEFAULT_AGENT_MODEL = "claude-sonnet-4-6";

/** The dollar limit per request when `AGENT_MAX_BUDGET_USD` is unset (as in the deployment guide). */
export const DEFAULT_MAX_BUDGET_USD = 5;

const MAILBOX_EXAMPLES =
  "memory://NAME, redis://HOST[:PORT][/DB]?queue=NAME, sqs://HOST:PORT/ACCOUNT/QUEUE?region=REGION or https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE";

/**
 * A mailbox URL the backends can read: checked by the same parsers that open it
 * (`checkMailboxUrl`), without connecting.
 */
function parseMailboxUrl(raw: string): string | undefined {
  if (!URL.canParse(raw)) return undefined;
  const url = new URL(raw);
  // A password in the queue URL (redis://:pw@host) is a secret: make every log and error hide it.
  if (url.password) {
    registerSecret(url.password);
    registerSecret(safeDecode(url.password));
  }
  try {
    checkMailboxUrl(raw);
    return raw;
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The fields of {@link AgentConfig}, one variable each, with the guide's defaults (durations in
 * seconds). Spread it into your own spec to add application settings:
 * `loadConfig({ ...AGENT_CONFIG_SPEC, region: env.string("AWS_REGION") })`.
 */
export const AGENT_CONFIG_SPEC = Object.freeze({
  /** `AGENT_MODEL`: the model id. */
  model: env.string("AGENT_MODEL", { default: DEFAULT_AGENT_MODEL }),
  /** `AGENT_MAX_TURNS`: most model turns per request, >= 1. */
  maxTurns: env.int("AGENT_MAX_TURNS", { default: 25, min: 1 }),
  /**
   * `AGENT_MAX_BUDGET_USD`: most dollars per request, > 0. Unset: {@link DEFAULT_MAX_BUDGET_USD}
   * on every model with a known price (and on Claude Code), no dollar limit otherwise; set on a
   * model with no price, the worker refuses to start.
   */
  maxBudgetUsd: env.number("AGENT_MAX_BUDGET_USD", { optional: true, greaterThan: 0, example: 5 }),
  /**
   * `AGENT_PRICES_FILE`: a JSON file of model prices (USD per million tokens) over the built-in
   * table, `{ "<model>": { "input": 3, "output": 15, "cacheRead": 0.3, "cacheWrite": 3.75 } }`.
   */
  pricesFile: env.string("AGENT_PRICES_FILE", { optional: true }),
  /** `HEALTH_PORT`: port of `/health/live` and `/health/ready`; 0 picks a free port. */
  healthPort: env.int("HEALTH_PORT", { default: 8080, min: 0, max: 65_535 }),
  /** `WATCHDOG_THRESHOLD`: a loop silent this long is stalled and the process is killed. */
  watchdogThreshold: env.number("WATCHDOG_THRESHOLD", { default: 720, greaterThan: 0 }),
  /** `WATCHDOG_INTERVAL`: how often the watchdog looks. */
  watchdogInterval: env.number("WATCHDOG_INTERVAL", { default: 60, greaterThan: 0 }),
  /** `VISIBILITY_TIMEOUT`: how long a received message stays hidden from other workers (SQS allows up to 43,200). */
  visibilityTimeout: env.int("VISIBILITY_TIMEOUT", { default: 1800, min: 1, max: 43_200 }),
  /** `WAIT_TIME_SECONDS`: long-poll length of each receive (an SQS mailbox clamps it to 20 with a warning). */
  waitTimeSeconds: env.int("WAIT_TIME_SECONDS", { default: 20, min: 0 }),
  /** `SHUTDOWN_TIMEOUT`: how long SIGTERM waits for loops to finish. */
  shutdownTimeout: env.number("SHUTDOWN_TIMEOUT", { default: 30, greaterThan: 0 }),
  /** `MAX_PROCESSING_SECONDS`: the longest one message may take. */
  maxProcessingSeconds: env.number("MAX_PROCESSING_SECONDS", { default: 600, greaterThan: 0 }),
  /** `WORKER_CONCURRENCY`: requests each MainLoop processes at once, 1 to 64. */
  concurrency: env.int("WORKER_CONCURRENCY", { default: 1, min: 1, max: 64 }),
  /**
   * `DEBUG_BUNDLE_PATH`: where a worker writes one debug bundle per request
   * (`MainLoopConfig.debugBundle.target`). Unset: no bundles. The image sets `/debug`.
   */
  debugBundlePath: env.string("DEBUG_BUNDLE_PATH", { optional: true }),
  /** `DEBUG_BUNDLE_MAX_COUNT`: keep at most this many bundles under `DEBUG_BUNDLE_PATH` (newest). */
  debugBundleMaxCount: env.int("DEBUG_BUNDLE_MAX_COUNT", { optional: true, min: 1 }),
  /** `DEBUG_BUNDLE_MAX_AGE_SECONDS`: delete bundles older than this. */
  debugBundleMaxAgeSeconds: env.int("DEBUG_BUNDLE_MAX_AGE_SECONDS", { optional: true, min: 1 }),
  /** `DEBUG_BUNDLE_MAX_BYTES`: keep the newest bundles within this many bytes in all. */
  debugBundleMaxBytes: env.int("DEBUG_BUNDLE_MAX_BYTES", { optional: true, min: 1 }),
  /** `WINK_MAILBOX`: the request mailbox, as a URL (shape checked, not connected). */
  mailbox: env.custom("WINK_MAILBOX", {
    optional: true,
    parse: parseMailboxUrl,
    expected: `a mailbox URL: ${MAILBOX_EXAMPLES}`,
    fix: "Set it to e.g. memory://reviews or redis://redis:6379/0?queue=reviews.",
  }),
  /** `ANTHROPIC_API_KEY` or `ANTHROPIC_API_KEY_FILE`. */
  anthropicApiKey: env.secret("ANTHROPIC_API_KEY", { optional: true }),
  /** `OPENAI_API_KEY` or `OPENAI_API_KEY_FILE`. */
  openaiApiKey: env.secret("OPENAI_API_KEY", { optional: true }),
  /** `AGENT_MAX_TOTAL_TOKENS`: most tokens (input + output, all turns) one request of a worker may use. */
  maxTotalTokens: env.int("AGENT_MAX_TOTAL_TOKENS", { default: 500_000, min: 1 }),
  /** `AGENT_ADAPTER`: `http` (Bedrock, Anthropic or OpenAI over HTTP) or `claude-agent-sdk` (Claude Code). */
  adapter: env.string("AGENT_ADAPTER", { choices: AGENT_ADAPTERS, default: "http" }),
  /**
   * `AGENT_NETWORK_ALLOW`: domains Claude Code's sandboxed commands may reach, comma-separated
   * (`pypi.org,*.github.com`). Unset or empty: no network. Used with `AGENT_ADAPTER=claude-agent-sdk`.
   */
  networkAllow: env.custom("AGENT_NETWORK_ALLOW", {
    default: [],
    parse: parseDomainList,
    expected: "comma-separated domain names such as pypi.org,*.github.com",
    fix: "Set it to domain names separated by commas (no scheme, port or path), or leave it empty for no network.",
  }),
  /** `CLAUDE_CODE_USE_BEDROCK`: run Claude on Amazon Bedrock (with `AWS_REGION`) instead of the Anthropic API. */
  useBedrock: env.boolean("CLAUDE_CODE_USE_BEDROCK", { default: false }),
  /** `AWS_REGION`: the Bedrock region. */
  awsRegion: env.string("AWS_REGION", { optional: true }),
  /** `ANTHROPIC_BASE_URL`: another endpoint for the Anthropic API (a proxy or gateway). */
  anthropicBaseUrl: env.url("ANTHROPIC_BASE_URL", { optional: true }),
  /**
   * `AGENT_SKILLS_DIR`: a folder of Agent Skills (one sub-folder with a `SKILL.md` each), loaded at
   * start-up and given to Claude Code (`AGENT_ADAPTER=claude-agent-sdk`). The image sets `/app/skills`.
   */
  skillsDir: env.string("AGENT_SKILLS_DIR", { optional: true }),
});

/** The worker configuration: typed from {@link AGENT_CONFIG_SPEC}, frozen. */
export type AgentConfig = Config<typeof AGENT_CONFIG_SPEC>;

/**
 * What {@link AgentConfig.fromEnv} does when the timeouts break a calibration rule:
 * `warn` logs one WARNING `config.calibration` per rule, `refuse` throws a {@link ConfigError}
 * listing them, `off` skips the check.
 */
export type CalibrationMode = "warn" | "refuse" | "off";

/** Options of {@link AgentConfig.fromEnv}. */
export interface AgentConfigOptions extends Pick<LoadConfigOptions, "readFile"> {
  /** Default `warn`. */
  calibration?: CalibrationMode;
  /** Where `warn` writes. Default the logger `weakincentives.config`. */
  logger?: Logger;
}

type Timeouts = Pick<
  AgentConfig,
  | "visibilityTimeout"
  | "watchdogThreshold"
  | "watchdogInterval"
  | "waitTimeSeconds"
  | "maxProcessingSeconds"
  | "shutdownTimeout"
>;

/** The variable an operator edits for each calibrated setting. */
const CALIBRATION_VARIABLES: Readonly<Record<CalibrationSetting, string>> = {
  visibilityTimeout: AGENT_CONFIG_SPEC.visibilityTimeout.variable,
  watchdogThreshold: AGENT_CONFIG_SPEC.watchdogThreshold.variable,
  watchdogInterval: AGENT_CONFIG_SPEC.watchdogInterval.variable,
  waitTimeSeconds: AGENT_CONFIG_SPEC.waitTimeSeconds.variable,
  maxProcessingSeconds: AGENT_CONFIG_SPEC.maxProcessingSeconds.variable,
  shutdownTimeout: AGENT_CONFIG_SPEC.shutdownTimeout.variable,
};

/**
 * The calibration rules `config` breaks, each as a {@link ConfigIssue} naming the variable to
 * change and the numbers involved; empty when the timeouts are consistent.
 */
function calibrationIssues(config: Timeouts): ConfigIssue[] {
  const input = {
    visibilityTimeout: config.visibilityTimeout,
    watchdogThreshold: config.watchdogThreshold,
    watchdogInterval: config.watchdogInterval,
    waitTimeSeconds: config.waitTimeSeconds,
    maxProcessingSeconds: config.maxProcessingSeconds,
    shutdownTimeout: config.shutdownTimeout,
  };
  return checkCalibration(input).map((issue) => ({
    variable: CALIBRATION_VARIABLES[issue.setting],
    problem: "calibration",
    rule: issue.rule,
    message: formatCalibrationIssue(issue, input, (setting) => CALIBRATION_VARIABLES[setting]),
  }));
}

function fromEnv(
  environment: ConfigEnvironment = process.env,
  options: AgentConfigOptions = {},
): AgentConfig {
  const loadOptions: LoadConfigOptions =
    options.readFile === undefined ? { env: environment } : { env: environment, readFile: options.readFile };
  const config = loadConfig(AGENT_CONFIG_SPEC, loadOptions);
  const mode = options.calibration ?? "warn";
  if (mode === "off") return config;
  const issues = calibrationIssues(config);
  if (mode === "refuse" && issues.length > 0) throw new ConfigError(issues);
  const log = options.logger ?? getLogger("weakincentives.config");
  for (const issue of issues) {
    log.warning("config.calibration", issue.message, {
      rule: issue.rule,
      variable: issue.variable,
      visibilityTimeout: config.visibilityTimeout,
      watchdogThreshold: config.watchdogThreshold,
      watchdogInterval: config.watchdogInterval,
      waitTimeSeconds: config.waitTimeSeconds,
      maxProcessingSeconds: config.maxProcessingSeconds,
      shutdownTimeout: config.shutdownTimeout,
    });
  }
  return config;
}

/** Reads and checks the worker configuration; see {@link AGENT_CONFIG_SPEC} for the variables. */
export const AgentConfig = Object.freeze({
  /** The fields, to extend with your own. */
  spec: AGENT_CONFIG_SPEC,
  /**
   * Read the configuration from `environment` (default `process.env`), then check the timeouts
   * against each other per `options.calibration` (default `warn`).
   *
   * @throws ConfigError listing every bad variable, or (with `refuse`) every broken rule.
   */
  fromEnv,
  /** The calibration rules `config` breaks, with the numbers and the variables to change. */
  calibrationIssues,
});
