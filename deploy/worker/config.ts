/**
 * The deployed worker's settings: every `AgentConfig` variable, plus a token budget per request
 * (`AGENT_MAX_TOTAL_TOKENS`), since a production worker must not run without one. Timeouts that
 * break a calibration rule are refused, not warned about: a worker that would redeliver
 * in-flight messages or kill healthy loops should not start.
 *
 * @example
 * ```ts
 * const config = loadWorkerConfig(process.env); // throws ConfigError naming every bad variable
 * config.maxTotalTokens; // 500000 unless AGENT_MAX_TOTAL_TOKENS says otherwise
 * ```
 */
import {
  AgentConfig,
  type Config,
  type ConfigEnvironment,
  ConfigError,
  env,
  loadConfig,
} from "weakincentives/config";

/** The variables the worker reads: `AgentConfig.spec` and its own. */
export const WORKER_CONFIG_SPEC = {
  ...AgentConfig.spec,
  /** `AGENT_MAX_TOTAL_TOKENS`: most tokens (input + output, all turns) one request may use. */
  maxTotalTokens: env.int("AGENT_MAX_TOTAL_TOKENS", { default: 500_000, min: 1 }),
};

/** The worker's configuration, typed from {@link WORKER_CONFIG_SPEC}. */
export type WorkerConfig = Config<typeof WORKER_CONFIG_SPEC>;

/**
 * Read and check the configuration; `WINK_MAILBOX` is required here (a worker with nothing to
 * serve is a misconfiguration).
 *
 * @throws ConfigError listing every malformed variable, or every broken calibration rule.
 */
export function loadWorkerConfig(environment: ConfigEnvironment): WorkerConfig & { mailbox: string } {
  const config = loadConfig(WORKER_CONFIG_SPEC, { env: environment });
  const issues = AgentConfig.calibrationIssues(config);
  if (issues.length > 0) throw new ConfigError(issues);
  const mailbox = config.mailbox;
  if (!mailbox) {
    throw new ConfigError([
      {
        variable: "WINK_MAILBOX",
        problem: "missing",
        message:
          "WINK_MAILBOX is not set: the worker needs a queue to serve. Set it to redis://HOST:6379/0?queue=reviews " +
          "or https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE.",
      },
    ]);
  }
  return { ...config, mailbox };
}
