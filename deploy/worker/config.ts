/**
 * The deployed worker's settings: every `AgentConfig` variable, plus a token budget per request
 * (`AGENT_MAX_TOTAL_TOKENS`), since a production worker must not run without one, the adapter
 * (`AGENT_ADAPTER`: the HTTP adapters, or Claude Code through the Claude Agent SDK) and the
 * domains Claude Code's sandboxed commands may reach (`AGENT_NETWORK_ALLOW`). Timeouts that
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

/** Values of `AGENT_ADAPTER`: the HTTP adapters (default), or Claude Code. */
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

/** The variables the worker reads: `AgentConfig.spec` and its own. */
export const WORKER_CONFIG_SPEC = {
  ...AgentConfig.spec,
  /** `AGENT_MAX_TOTAL_TOKENS`: most tokens (input + output, all turns) one request may use. */
  maxTotalTokens: env.int("AGENT_MAX_TOTAL_TOKENS", { default: 500_000, min: 1 }),
  /** `AGENT_ADAPTER`: `http` (Bedrock, Anthropic or OpenAI over HTTP) or `claude-agent-sdk`. */
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
