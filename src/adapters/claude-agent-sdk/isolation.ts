/**
 * Isolation of the Claude Code process: which network its sandboxed commands may reach, whether
 * its Bash tool runs inside the OS sandbox, and which host environment variables it may see.
 *
 * The child always gets an ephemeral `HOME` (and `CLAUDE_CONFIG_DIR` inside it), so the host's
 * `~/.claude`, credentials and settings are never read. Host variables are passed only through
 * an explicit allowlist, and credential-like names (`HOME`, `CLAUDE_*`, `ANTHROPIC_*`, `AWS_*`,
 * `OPENAI_*`) are refused there: credentials go through the adapter's `env` option, or, for
 * Bedrock, through {@link IsolationConfig.forBedrock}.
 *
 * @example
 * ```ts
 * import { IsolationConfig, NetworkPolicy } from "weakincentives/adapters/claude-agent-sdk";
 *
 * const isolation = IsolationConfig.create({ network: NetworkPolicy.allowDomains(["pypi.org"]) });
 * isolation.sandbox.enabled; // true
 * ```
 */

import { WinkError } from "../../errors.js";
import type { BedrockOption } from "../anthropic/backend.js";

/** Which hosts sandboxed commands may reach. */
export class NetworkPolicy {
  private constructor(readonly allowedDomains: readonly string[]) {}

  /** No network access for sandboxed commands (the default). */
  static noNetwork(): NetworkPolicy {
    return new NetworkPolicy([]);
  }

  /** Only these domains (wildcards such as `*.example.com` allowed). */
  static allowDomains(domains: readonly string[]): NetworkPolicy {
    return new NetworkPolicy([...domains]);
  }
}

/** The OS sandbox of Claude Code's Bash tool (bubblewrap + socat on Linux). */
export interface SandboxConfig {
  /** Run commands in the sandbox; the run fails when the sandbox cannot start. Default true. */
  readonly enabled: boolean;
  /** Let the model ask to run a command outside the sandbox. Default false. */
  readonly allowUnsandboxedCommands: boolean;
}

/** Options of {@link IsolationConfig.create}. */
export interface IsolationConfigOptions {
  network?: NetworkPolicy;
  sandbox?: Partial<SandboxConfig>;
  /** Host variables to pass through (never `HOME`, `CLAUDE_*`, `ANTHROPIC_*`, `AWS_*`, `OPENAI_*`). */
  includeHostEnv?: readonly string[];
  /** Use Bedrock (`true`, `{ region }`), the Anthropic API (`false`), or decide from the environment. */
  bedrock?: BedrockOption;
}

const FORBIDDEN_ENV = /^(HOME|CLAUDE_.*|ANTHROPIC_.*|AWS_.*|OPENAI_.*)$/;

/** AWS variables passed to the child when Bedrock is selected. */
export const BEDROCK_ENV = [
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "AWS_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_BEARER_TOKEN_BEDROCK",
] as const;

/** How the Claude Code process is isolated. Immutable; build with {@link IsolationConfig.create}. */
export class IsolationConfig {
  private constructor(
    readonly network: NetworkPolicy,
    readonly sandbox: SandboxConfig,
    readonly includeHostEnv: readonly string[],
    readonly bedrock: BedrockOption,
  ) {}

  /** @throws WinkError (`invalid_config`) when `includeHostEnv` names a credential-like variable. */
  static create(options: IsolationConfigOptions = {}): IsolationConfig {
    const include = [...(options.includeHostEnv ?? [])];
    const bad = include.filter((name) => FORBIDDEN_ENV.test(name));
    if (bad.length > 0) {
      throw new WinkError(
        "invalid_config",
        `includeHostEnv may not pass ${bad.join(", ")}: HOME is always ephemeral, and credentials go through the adapter's env option (or IsolationConfig.forBedrock()).`,
        { details: { names: bad } },
      );
    }
    return new IsolationConfig(
      options.network ?? NetworkPolicy.noNetwork(),
      {
        enabled: options.sandbox?.enabled ?? true,
        allowUnsandboxedCommands: options.sandbox?.allowUnsandboxedCommands ?? false,
      },
      include,
      options.bedrock,
    );
  }

  /** Defaults plus Bedrock: AWS region and credential variables are passed to the child. */
  static forBedrock(region?: string, options: Omit<IsolationConfigOptions, "bedrock"> = {}): IsolationConfig {
    return IsolationConfig.create({ ...options, bedrock: region === undefined ? true : { region } });
  }

  /** The SDK's `sandbox` option for this config. */
  sandboxSettings(): {
    enabled: boolean;
    failIfUnavailable: boolean;
    autoAllowBashIfSandboxed: boolean;
    allowUnsandboxedCommands: boolean;
    network: { allowedDomains: string[]; strictAllowlist: boolean };
  } {
    return {
      enabled: this.sandbox.enabled,
      failIfUnavailable: this.sandbox.enabled,
      autoAllowBashIfSandboxed: false,
      allowUnsandboxedCommands: this.sandbox.allowUnsandboxedCommands,
      network: { allowedDomains: [...this.network.allowedDomains], strictAllowlist: true },
    };
  }
}

/** Inputs of {@link buildChildEnv}. */
export interface ChildEnvInputs {
  readonly isolation: IsolationConfig;
  readonly home: string;
  readonly hostEnv: Readonly<Record<string, string | undefined>>;
  /** Explicit variables (credentials, base URL); they win over everything else. */
  readonly explicit: Readonly<Record<string, string | undefined>>;
  /** Bedrock region when Bedrock was selected. */
  readonly bedrockRegion: string | undefined;
}

/** The complete environment of the Claude Code process (the SDK replaces, never merges). */
export function buildChildEnv(inputs: ChildEnvInputs): Record<string, string> {
  const env: Record<string, string> = {};
  const put = (name: string, value: string | undefined): void => {
    if (value !== undefined) env[name] = value;
  };
  put("PATH", inputs.hostEnv.PATH ?? "/usr/local/bin:/usr/bin:/bin");
  for (const name of ["LANG", "LC_ALL", "TZ", "TMPDIR"]) put(name, inputs.hostEnv[name]);
  for (const name of inputs.isolation.includeHostEnv) put(name, inputs.hostEnv[name]);
  if (inputs.bedrockRegion !== undefined) {
    for (const name of BEDROCK_ENV) put(name, inputs.hostEnv[name]);
    env.CLAUDE_CODE_USE_BEDROCK = "1";
    env.AWS_REGION = inputs.bedrockRegion;
  }
  env.HOME = inputs.home;
  env.CLAUDE_CONFIG_DIR = `${inputs.home}/.claude`;
  env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1";
  for (const [name, value] of Object.entries(inputs.explicit)) put(name, value);
  return env;
}
