/**
 * Isolation of the Claude Code process: which network its sandboxed commands may reach, whether
 * its Bash tool runs inside the OS sandbox, which files the agent may read, and which host
 * environment variables it may see.
 *
 * The child always gets an ephemeral `HOME` (and `CLAUDE_CONFIG_DIR` inside it) and `TMPDIR`, so
 * the host's `~/.claude`, credentials and settings are never read and nothing is left behind.
 * Host variables are passed only through an explicit allowlist, and credential-like names
 * (`HOME`, `CLAUDE_*`, `ANTHROPIC_*`, `AWS_*`, `OPENAI_*`) are refused there: credentials go
 * through the adapter's `env` option, or, for Bedrock, through {@link IsolationConfig.forBedrock}.
 * Those credentials are for the Claude Code process only: the commands it runs never see them.
 *
 * Reads are denied by default. Commands (in the sandbox) and Claude Code's file tools (`Read`,
 * `Glob`, `Grep`) may read the working directory, the system directories commands need
 * ({@link SYSTEM_READ_PATHS}), and the paths listed in `readablePaths`; nothing else: not the
 * host's home, not other workspaces, not mounted secrets (see {@link SENSITIVE_READ_PATHS} and the
 * targets of `*_FILE` variables), not the processes outside the sandbox.
 *
 * @example
 * ```ts
 * import { IsolationConfig, NetworkPolicy } from "weakincentives/adapters/claude-agent-sdk";
 *
 * const isolation = IsolationConfig.create({
 *   network: NetworkPolicy.allowDomains(["pypi.org"]),
 *   readablePaths: ["/srv/reference-docs"],
 * });
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
  /**
   * Run commands in the sandbox; the run fails when the sandbox cannot start. Default true.
   * Off, commands run on the host with Claude Code's rights and environment (credentials
   * included); only the file tools stay confined.
   */
  readonly enabled: boolean;
  /** Let the model ask to run a command outside the sandbox. Default false. */
  readonly allowUnsandboxedCommands: boolean;
}

/** Options of {@link IsolationConfig.create}. */
export interface IsolationConfigOptions {
  /** Hosts sandboxed commands may reach. Default {@link NetworkPolicy.noNetwork}. */
  network?: NetworkPolicy;
  /** The OS sandbox of the Bash tool. Default on, and the run fails when it cannot start. */
  sandbox?: Partial<SandboxConfig>;
  /**
   * Host variables to pass through (never `HOME`, `CLAUDE_*`, `ANTHROPIC_*`, `AWS_*`, `OPENAI_*`).
   * Commands see these; they see none of the adapter's `env`.
   */
  includeHostEnv?: readonly string[];
  /** Use Bedrock (`true`, `{ region }`), the Anthropic API (`false`), or decide from the environment. */
  bedrock?: BedrockOption;
  /**
   * Absolute paths (files or directories) the agent may read besides the working directory and
   * {@link SYSTEM_READ_PATHS}, e.g. a shared reference checkout. Default none. Secrets inside them
   * ({@link SENSITIVE_READ_PATHS}, `*_FILE` targets, `deniedPaths`) stay unreadable. A path that
   * holds the working directory is refused when the evaluation starts: it would expose the other
   * workspaces beside it.
   */
  readablePaths?: readonly string[];
  /** Absolute paths never readable, on top of the built-in ones. Default none. */
  deniedPaths?: readonly string[];
}

const FORBIDDEN_ENV = /^(HOME|CLAUDE_.*|ANTHROPIC_.*|AWS_.*|OPENAI_.*)$/;

/**
 * Directories every command needs (programs, libraries, system configuration), readable by
 * commands and file tools. `/proc`, `/sys` and `/dev` are the sandbox's own: it mounts a fresh
 * `/proc` in a new PID namespace, so commands see only their own processes.
 */
export const SYSTEM_READ_PATHS: readonly string[] = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/etc",
];

/**
 * Paths never readable, even inside {@link SYSTEM_READ_PATHS} or `readablePaths`: password and
 * sudo databases, host and TLS private keys, keytabs, VPN and Wi-Fi secrets, and the places
 * Docker, Kubernetes and systemd mount secrets.
 */
export const SENSITIVE_READ_PATHS: readonly string[] = [
  "/etc/shadow",
  "/etc/shadow-",
  "/etc/gshadow",
  "/etc/gshadow-",
  "/etc/sudoers",
  "/etc/sudoers.d",
  "/etc/security",
  "/etc/ssh",
  "/etc/ssl/private",
  "/etc/krb5.keytab",
  "/etc/credstore",
  "/etc/credstore.encrypted",
  "/etc/wireguard",
  "/etc/ppp",
  "/etc/NetworkManager/system-connections",
  "/run/secrets",
  "/var/run/secrets",
  "/run/credentials",
];

/** `/a/b`, absolute and already normalized: no `.`/`..` segment, no doubled or trailing slash. */
function isNormalAbsolute(path: string): boolean {
  if (!path.startsWith("/") || path === "/" || path.endsWith("/")) return false;
  return path
    .slice(1)
    .split("/")
    .every((part) => part !== "" && part !== "." && part !== "..");
}

function checkPaths(option: string, paths: readonly string[]): string[] {
  const bad = paths.filter((path) => !isNormalAbsolute(path));
  if (bad.length > 0) {
    throw new WinkError(
      "invalid_config",
      `${option} must list absolute, normalized paths other than "/"; got ${bad.map((p) => JSON.stringify(p)).join(", ")}. Write them like "/srv/shared-docs".`,
      { details: { option, paths: bad } },
    );
  }
  return [...paths];
}

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
    /** Paths readable besides the working directory and {@link SYSTEM_READ_PATHS}. */
    readonly readablePaths: readonly string[],
    /** Paths never readable, besides {@link SENSITIVE_READ_PATHS} and the `*_FILE` targets. */
    readonly deniedPaths: readonly string[],
  ) {}

  /**
   * @throws WinkError (`invalid_config`) when `includeHostEnv` names a credential-like variable,
   *   or `readablePaths`/`deniedPaths` hold a path that is relative, not normalized, or `/`.
   */
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
      checkPaths("readablePaths", options.readablePaths ?? []),
      checkPaths("deniedPaths", options.deniedPaths ?? []),
    );
  }

  /** Defaults plus Bedrock: AWS region and credential variables are passed to the child. */
  static forBedrock(region?: string, options: Omit<IsolationConfigOptions, "bedrock"> = {}): IsolationConfig {
    return IsolationConfig.create({ ...options, bedrock: region === undefined ? true : { region } });
  }

  /**
   * The SDK's `sandbox` option for this config, without the per-evaluation filesystem and
   * credential rules (see `confinement.ts`).
   */
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
  /** The child's `TMPDIR` (per evaluation, so Claude Code's temporary files go with it). Default the host's. */
  readonly tmpDir?: string;
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
  put("TMPDIR", inputs.tmpDir);
  env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1";
  for (const [name, value] of Object.entries(inputs.explicit)) put(name, value);
  return env;
}

/** Variables of the child's environment that its commands may see as well. */
const COMMAND_SAFE_ENV: ReadonlySet<string> = new Set([
  "PATH",
  "LANG",
  "LC_ALL",
  "TZ",
  "TMPDIR",
  "HOME",
  "CLAUDE_CONFIG_DIR",
  "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
]);

/** Variables whose values are provider secrets: registered for redaction whenever the child gets them. */
export const SECRET_ENV: readonly string[] = [
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_AUTH_TOKEN",
  "CLAUDE_CODE_OAUTH_TOKEN",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_BEARER_TOKEN_BEDROCK",
];

/**
 * Provider credentials and their settings, hidden from commands even when the adapter was not
 * given them (the CLI can pick some up by itself, e.g. from a helper).
 */
export const CREDENTIAL_ENV: readonly string[] = [...new Set([...SECRET_ENV, ...BEDROCK_ENV])];

/**
 * Names the sandbox unsets for the commands Claude Code runs: every variable of `childEnv` except
 * the harmless basics and the host variables passed on purpose (`includeHostEnv`), plus
 * {@link CREDENTIAL_ENV}. Deny by default: the adapter's `env` holds credentials and endpoints
 * the CLI needs and its commands do not.
 */
export function commandHiddenEnv(
  childEnv: Readonly<Record<string, string>>,
  isolation: IsolationConfig,
): string[] {
  const shown = new Set([...COMMAND_SAFE_ENV, ...isolation.includeHostEnv]);
  const hidden = new Set(CREDENTIAL_ENV);
  for (const name of Object.keys(childEnv)) if (!shown.has(name)) hidden.add(name);
  return [...hidden].sort();
}
