import { afterEach, describe, expect, it } from "vitest";
import {
  AGENT_CONFIG_SPEC,
  AgentConfig,
  ConfigError,
  DEFAULT_AGENT_MODEL,
  describeConfig,
  env,
  loadConfig,
  Secret,
} from "../../src/config/index.js";
import { configureLogging, getLogger, resetLogging } from "../../src/logging/index.js";
import { clearRegisteredSecrets } from "../../src/secrets/index.js";

afterEach(() => {
  clearRegisteredSecrets();
  resetLogging();
});

function capture(): { lines: string[]; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  configureLogging({ env: {}, json: true, destination: { write: (line: string) => lines.push(line) } });
  return { lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("AgentConfig.fromEnv", () => {
  it("gives the deployment guide's defaults for an empty environment", () => {
    expect(AgentConfig.fromEnv({})).toEqual({
      model: DEFAULT_AGENT_MODEL,
      maxTurns: 25,
      maxBudgetUsd: undefined,
      pricesFile: undefined,
      healthPort: 8080,
      watchdogThreshold: 720,
      watchdogInterval: 60,
      visibilityTimeout: 1800,
      waitTimeSeconds: 20,
      shutdownTimeout: 30,
      maxProcessingSeconds: 600,
      concurrency: 1,
      debugBundlePath: undefined,
      debugBundleMaxCount: undefined,
      debugBundleMaxAgeSeconds: undefined,
      debugBundleMaxBytes: undefined,
      mailbox: undefined,
      anthropicApiKey: undefined,
      openaiApiKey: undefined,
      maxTotalTokens: 500_000,
      adapter: "http",
      networkAllow: [],
      useBedrock: false,
      awsRegion: undefined,
      anthropicBaseUrl: undefined,
      skillsDir: undefined,
    });
    expect(DEFAULT_AGENT_MODEL).toBe("claude-sonnet-4-6");
  });

  it("reads every variable", () => {
    const config = AgentConfig.fromEnv({
      AGENT_MODEL: "claude-opus-4",
      AGENT_MAX_TURNS: "40",
      AGENT_MAX_BUDGET_USD: "12.5",
      HEALTH_PORT: "9090",
      WATCHDOG_THRESHOLD: "900",
      WATCHDOG_INTERVAL: "30",
      VISIBILITY_TIMEOUT: "3600",
      WAIT_TIME_SECONDS: "10",
      SHUTDOWN_TIMEOUT: "45",
      MAX_PROCESSING_SECONDS: "800",
      WORKER_CONCURRENCY: "4",
      DEBUG_BUNDLE_PATH: "/var/bundles",
      DEBUG_BUNDLE_MAX_COUNT: "500",
      DEBUG_BUNDLE_MAX_AGE_SECONDS: "604800",
      DEBUG_BUNDLE_MAX_BYTES: "1000000000",
      WINK_MAILBOX: "redis://redis:6379/0",
      ANTHROPIC_API_KEY: "anthropic-key-value-1",
      OPENAI_API_KEY: "openai-key-value-2",
      AGENT_MAX_TOTAL_TOKENS: "9000",
      AGENT_ADAPTER: "claude-agent-sdk",
      AGENT_NETWORK_ALLOW: "pypi.org",
      CLAUDE_CODE_USE_BEDROCK: "1",
      AWS_REGION: "eu-west-1",
      ANTHROPIC_BASE_URL: "https://gateway.example.com/anthropic",
      AGENT_SKILLS_DIR: "/app/skills",
      AGENT_PRICES_FILE: "/app/prices.json",
    });
    expect(describeConfig(config)).toEqual({
      model: "claude-opus-4",
      maxTurns: 40,
      maxBudgetUsd: 12.5,
      pricesFile: "/app/prices.json",
      healthPort: 9090,
      watchdogThreshold: 900,
      watchdogInterval: 30,
      visibilityTimeout: 3600,
      waitTimeSeconds: 10,
      shutdownTimeout: 45,
      maxProcessingSeconds: 800,
      concurrency: 4,
      debugBundlePath: "/var/bundles",
      debugBundleMaxCount: 500,
      debugBundleMaxAgeSeconds: 604800,
      debugBundleMaxBytes: 1000000000,
      mailbox: "redis://redis:6379/0",
      anthropicApiKey: "[REDACTED]",
      openaiApiKey: "[REDACTED]",
      maxTotalTokens: 9000,
      adapter: "claude-agent-sdk",
      networkAllow: ["pypi.org"],
      useBedrock: true,
      awsRegion: "eu-west-1",
      anthropicBaseUrl: "https://gateway.example.com/anthropic",
      skillsDir: "/app/skills",
    });
    expect(config.anthropicApiKey).toBeInstanceOf(Secret);
    expect(config.anthropicApiKey?.reveal()).toBe("anthropic-key-value-1");
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reports every bad variable at once, each with its value and fix", () => {
    const error = configError(() =>
      AgentConfig.fromEnv({
        AGENT_MAX_TURNS: "abc",
        AGENT_MAX_BUDGET_USD: "-1",
        HEALTH_PORT: "70000",
        WORKER_CONCURRENCY: "65",
        WATCHDOG_THRESHOLD: "soon",
        WINK_MAILBOX: "kafka://broker/topic",
      }),
    );
    expect(error.issues.map((i) => i.message)).toEqual([
      'AGENT_MAX_TURNS="abc": expected an integer >= 1. Set it to a whole number such as 25.',
      'AGENT_MAX_BUDGET_USD="-1": expected a number > 0. Set it to a number such as 5.',
      'HEALTH_PORT="70000": expected an integer from 0 to 65535. Set it to a whole number such as 8080.',
      'WATCHDOG_THRESHOLD="soon": expected a number > 0. Set it to a number such as 720.',
      'WORKER_CONCURRENCY="65": expected an integer from 1 to 64. Set it to a whole number such as 1.',
      'WINK_MAILBOX="kafka://broker/topic": expected a mailbox URL: memory://NAME, redis://HOST[:PORT][/DB]?queue=NAME, ' +
        "sqs://HOST:PORT/ACCOUNT/QUEUE?region=REGION or https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE. " +
        "Set it to e.g. memory://reviews or redis://redis:6379/0?queue=reviews.",
    ]);
  });

  it("accepts the mailbox shapes the backends understand", () => {
    for (const mailbox of [
      "memory://reviews",
      "redis://redis:6379/0",
      "rediss://:pw-1234@cache.example.com:6380",
      "sqs://127.0.0.1:4566/000000000000/reviews?region=us-east-1",
      "https://sqs.eu-west-1.amazonaws.com/123456789012/reviews",
      "https://sqs.eu-west-1.amazonaws.com/123456789012/reviews.fifo",
    ]) {
      expect(AgentConfig.fromEnv({ WINK_MAILBOX: mailbox }).mailbox).toBe(mailbox);
    }
  });

  it("refuses mailbox URLs of the wrong shape, by the parsers that open them", () => {
    for (const mailbox of [
      "memory://",
      "redis://",
      // Accepted here once, then refused by the SQS mailbox at start: one check now.
      "sqs://reviews",
      "redis://redis:6379/db-one",
      "reviews",
      "https://example.com/queue",
      "https://sqs.eu-west-1.amazonaws.com/12345/reviews",
      "http://sqs.eu-west-1.amazonaws.com/123456789012/reviews",
    ]) {
      expect(configError(() => AgentConfig.fromEnv({ WINK_MAILBOX: mailbox })).issues[0]?.variable).toBe(
        "WINK_MAILBOX",
      );
    }
  });

  it("reads API keys from mounted files", () => {
    const config = AgentConfig.fromEnv(
      { ANTHROPIC_API_KEY_FILE: "/run/secrets/anthropic" },
      { readFile: () => "mounted-anthropic-key\n" },
    );
    expect(config.anthropicApiKey?.reveal()).toBe("mounted-anthropic-key");
  });

  it("reads process.env by default", () => {
    process.env.AGENT_MAX_TURNS = "7";
    try {
      expect(AgentConfig.fromEnv().maxTurns).toBe(7);
    } finally {
      delete process.env.AGENT_MAX_TURNS;
    }
  });

  it("exposes its spec so applications can extend it", () => {
    expect(AgentConfig.spec).toBe(AGENT_CONFIG_SPEC);
    const config = loadConfig(
      { ...AgentConfig.spec, region: env.string("AWS_REGION", { default: "us-east-1" }) },
      { env: { AGENT_MAX_TURNS: "3" } },
    );
    expect(config.maxTurns).toBe(3);
    expect(config.region).toBe("us-east-1");
  });
});

describe("timeout calibration", () => {
  const miscalibrated = {
    VISIBILITY_TIMEOUT: "900",
    WATCHDOG_THRESHOLD: "600",
    WATCHDOG_INTERVAL: "300",
    SHUTDOWN_TIMEOUT: "10",
  };
  const expected = [
    "VISIBILITY_TIMEOUT (900 s) must be greater than WATCHDOG_THRESHOLD + MAX_PROCESSING_SECONDS (600 + 600 = 1200 s), " +
      "or a message is redelivered while a stalled worker still holds it. Raise VISIBILITY_TIMEOUT or lower WATCHDOG_THRESHOLD.",
    "WATCHDOG_THRESHOLD (600 s) must be greater than WAIT_TIME_SECONDS + MAX_PROCESSING_SECONDS (20 + 600 = 620 s), " +
      "or the watchdog kills healthy workers. Raise WATCHDOG_THRESHOLD.",
    "WATCHDOG_INTERVAL (300 s) must be less than WATCHDOG_THRESHOLD / 3 (600 / 3 = 200 s), " +
      "so a stall is acted on promptly. Lower WATCHDOG_INTERVAL or raise WATCHDOG_THRESHOLD.",
    "SHUTDOWN_TIMEOUT (10 s) must be at least WAIT_TIME_SECONDS (20 s): a worker's last long poll (kept open on SQS " +
      "so no message is hidden in it) must end within the shutdown wait. Raise SHUTDOWN_TIMEOUT or shorten WAIT_TIME_SECONDS.",
  ];

  it("finds nothing wrong with the defaults", () => {
    expect(AgentConfig.calibrationIssues(AgentConfig.fromEnv({}, { calibration: "off" }))).toEqual([]);
  });

  it("passes the defaults in every mode without a warning", () => {
    const logs = capture();
    for (const calibration of ["warn", "refuse", "off"] as const) {
      expect(AgentConfig.fromEnv({}, { calibration }).visibilityTimeout).toBe(1800);
    }
    expect(logs.lines).toEqual([]);
  });

  it("shows the example from the guide with its numbers", () => {
    const error = configError(() =>
      AgentConfig.fromEnv({ VISIBILITY_TIMEOUT: "900" }, { calibration: "refuse" }),
    );
    expect(error.issues).toEqual([
      {
        variable: "VISIBILITY_TIMEOUT",
        problem: "calibration",
        rule: "visibility_timeout",
        message:
          "VISIBILITY_TIMEOUT (900 s) must be greater than WATCHDOG_THRESHOLD + MAX_PROCESSING_SECONDS (720 + 600 = 1320 s), " +
          "or a message is redelivered while a stalled worker still holds it. Raise VISIBILITY_TIMEOUT or lower WATCHDOG_THRESHOLD.",
      },
    ]);
  });

  it("refuse throws one ConfigError listing every broken rule with its numbers", () => {
    const error = configError(() => AgentConfig.fromEnv(miscalibrated, { calibration: "refuse" }));
    expect(error.code).toBe("invalid_config");
    expect(error.issues.map((i) => i.message)).toEqual(expected);
    expect(error.issues.map((i) => i.variable)).toEqual([
      "VISIBILITY_TIMEOUT",
      "WATCHDOG_THRESHOLD",
      "WATCHDOG_INTERVAL",
      "SHUTDOWN_TIMEOUT",
    ]);
    expect(error.message).toContain("Invalid configuration (4 problems)");
  });

  it("warn (the default) logs one WARNING config.calibration per rule and returns the config", () => {
    const logs = capture();
    const config = AgentConfig.fromEnv(miscalibrated);
    expect(config.visibilityTimeout).toBe(900);
    const records = logs.records();
    expect(records.map((r) => [r.level, r.event, r.logger, r.message])).toEqual(
      expected.map((message) => ["WARNING", "config.calibration", "weakincentives.config", message]),
    );
    expect(records[0]?.context).toEqual({
      rule: "visibility_timeout",
      variable: "VISIBILITY_TIMEOUT",
      visibilityTimeout: 900,
      watchdogThreshold: 600,
      watchdogInterval: 300,
      waitTimeSeconds: 20,
      maxProcessingSeconds: 600,
      shutdownTimeout: 10,
    });
  });

  it("warn writes to the logger it is given", () => {
    const logs = capture();
    AgentConfig.fromEnv({ WATCHDOG_INTERVAL: "250" }, { logger: getLogger("myapp.worker") });
    expect(logs.records().map((r) => r.logger)).toEqual(["myapp.worker"]);
  });

  it("off skips the check", () => {
    const logs = capture();
    expect(AgentConfig.fromEnv(miscalibrated, { calibration: "off" }).shutdownTimeout).toBe(10);
    expect(logs.lines).toEqual([]);
  });

  it("rounds a third of the threshold in the message", () => {
    const issues = AgentConfig.calibrationIssues(
      AgentConfig.fromEnv({ WATCHDOG_THRESHOLD: "700", WATCHDOG_INTERVAL: "240" }, { calibration: "off" }),
    );
    expect(issues.map((i) => i.message)).toEqual([
      "WATCHDOG_INTERVAL (240 s) must be less than WATCHDOG_THRESHOLD / 3 (700 / 3 = 233.333 s), " +
        "so a stall is acted on promptly. Lower WATCHDOG_INTERVAL or raise WATCHDOG_THRESHOLD.",
    ]);
  });

  it("checks variables before calibration, so bad values are reported as such", () => {
    const error = configError(() =>
      AgentConfig.fromEnv({ VISIBILITY_TIMEOUT: "soon" }, { calibration: "refuse" }),
    );
    expect(error.issues.map((i) => i.problem)).toEqual(["invalid"]);
  });
});
