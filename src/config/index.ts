/**
 * `weakincentives/config`: typed configuration from the environment, with every mistake reported
 * at once and secrets that cannot leak.
 *
 * - {@link env} declares fields (`string`, `int`, `number`, `boolean`, `url`, `secret`, `custom`);
 *   {@link loadConfig} reads them into a frozen object typed from the declarations, or throws one
 *   {@link ConfigError} naming each bad variable, its value and the fix.
 * - {@link Secret} wraps secret values (from `NAME` or a mounted `NAME_FILE`): it prints as
 *   `[REDACTED]` everywhere and is registered so the logger redacts it too.
 *   {@link describeConfig} gives a dump that is safe to log.
 * - {@link AgentConfig} reads the deployment guide's worker variables and checks the timeouts
 *   against each other (warn, refuse or off).
 *
 * @example
 * ```ts
 * import { AgentConfig, describeConfig, env, loadConfig } from "weakincentives/config";
 *
 * const app = loadConfig({
 *   ...AgentConfig.spec,
 *   region: env.string("AWS_REGION", { default: "us-east-1" }),
 *   githubToken: env.secret("GITHUB_TOKEN"),
 * });
 * app.maxTurns; // number
 * app.githubToken.reveal(); // string, only where it is needed
 * console.log(describeConfig(app)); // { ..., githubToken: "[REDACTED]" }
 *
 * const worker = AgentConfig.fromEnv(process.env, { calibration: "refuse" });
 * ```
 */

export {
  AGENT_ADAPTERS,
  AGENT_CONFIG_SPEC,
  AgentConfig,
  type AgentConfigOptions,
  type CalibrationMode,
  DEFAULT_AGENT_MODEL,
  DEFAULT_MAX_BUDGET_USD,
  parseDomainList,
} from "./agent.js";
export {
  ConfigField,
  type ConfigFieldKind,
  type CustomOptions,
  env,
  type NumberOptions,
  type PresenceOptions,
  type SecretOptions,
  type StringOptions,
  type UrlOptions,
} from "./fields.js";
export {
  type Config,
  type ConfigEnvironment,
  ConfigError,
  type ConfigIssue,
  type ConfigProblem,
  type ConfigSpec,
  type DescribedObject,
  type DescribedValue,
  describeConfig,
  type LoadConfigOptions,
  loadConfig,
} from "./load.js";
export { Secret } from "./secret.js";
