import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, describeConfig, env, loadConfig, Secret } from "../../src/config/index.js";
import { isWinkError, WinkError } from "../../src/errors.js";
import { clearRegisteredSecrets } from "../../src/secrets/index.js";

afterEach(() => clearRegisteredSecrets());

const spec = {
  maxTurns: env.int("AGENT_MAX_TURNS", { default: 25, min: 1 }),
  port: env.int("HEALTH_PORT", { default: 8080, min: 0, max: 65535 }),
  region: env.string("AWS_REGION"),
  json: env.boolean("LOG_JSON", { default: true }),
};

function caught(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("returns every field under its key, with defaults for unset variables", () => {
    expect(loadConfig(spec, { env: { AWS_REGION: "eu-west-1" } })).toEqual({
      maxTurns: 25,
      port: 8080,
      region: "eu-west-1",
      json: true,
    });
  });

  it("returns a frozen object", () => {
    const config = loadConfig(spec, { env: { AWS_REGION: "eu-west-1" } });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads process.env when no environment is given", () => {
    process.env.WINK_TEST_CONFIG_VALUE = "from-process";
    try {
      expect(loadConfig({ v: env.string("WINK_TEST_CONFIG_VALUE") }).v).toBe("from-process");
    } finally {
      delete process.env.WINK_TEST_CONFIG_VALUE;
    }
  });

  it("collects every problem into one ConfigError instead of stopping at the first", () => {
    const error = caught(() =>
      loadConfig(spec, { env: { AGENT_MAX_TURNS: "abc", HEALTH_PORT: "99999", LOG_JSON: "maybe" } }),
    );
    expect(error.issues.map((i) => i.message)).toEqual([
      'AGENT_MAX_TURNS="abc": expected an integer >= 1. Set it to a whole number such as 25.',
      'HEALTH_PORT="99999": expected an integer from 0 to 65535. Set it to a whole number such as 8080.',
      "AWS_REGION is not set: expected a non-empty value. Set AWS_REGION.",
      'LOG_JSON="maybe": expected true or false. Set it to true or false (1/0 and yes/no work too, in any case).',
    ]);
  });

  it("lists every problem in the error message, one per line", () => {
    const error = caught(() => loadConfig(spec, { env: { AGENT_MAX_TURNS: "0" } }));
    expect(error.message).toBe(
      "Invalid configuration (2 problems):\n" +
        '  - AGENT_MAX_TURNS="0": expected an integer >= 1. Set it to a whole number such as 25.\n' +
        "  - AWS_REGION is not set: expected a non-empty value. Set AWS_REGION.",
    );
    expect(caught(() => loadConfig(spec, { env: {} })).message).toMatch(
      /^Invalid configuration \(1 problem\):/,
    );
  });

  it("raises a WinkError with code invalid_config and structured issues", () => {
    const error = caught(() => loadConfig(spec, { env: { AGENT_MAX_TURNS: "abc", AWS_REGION: "x" } }));
    expect(error).toBeInstanceOf(WinkError);
    expect(isWinkError(error, "invalid_config")).toBe(true);
    expect(error.name).toBe("ConfigError");
    expect(error.issues).toEqual([
      {
        variable: "AGENT_MAX_TURNS",
        problem: "invalid",
        value: '"abc"',
        message: 'AGENT_MAX_TURNS="abc": expected an integer >= 1. Set it to a whole number such as 25.',
      },
    ]);
    expect(error.details.issues).toEqual(error.issues);
  });

  it("marks a missing variable as missing, with no value", () => {
    const [issue] = caught(() => loadConfig(spec, { env: {} })).issues;
    expect(issue).toMatchObject({ variable: "AWS_REGION", problem: "missing" });
    expect(issue).not.toHaveProperty("value");
  });

  it("does not show a registered secret that was put in an ordinary variable by mistake", () => {
    const key = "sk-live-0123456789-abcdef";
    const error = caught(() =>
      loadConfig(
        { model: env.string("AGENT_MODEL", { choices: ["a", "b"] }), key: env.secret("API_KEY") },
        { env: { AGENT_MODEL: key, API_KEY: key } },
      ),
    );
    expect(error.message).not.toContain(key);
    expect(error.message).toContain('AGENT_MODEL="[REDACTED]"');
  });
});

describe("describeConfig", () => {
  it("shows every value, redacts secrets and shows unset optionals as null", () => {
    const value = "db-password-8f2a1c";
    const config = loadConfig(
      {
        region: env.string("AWS_REGION"),
        turns: env.int("TURNS", { default: 3 }),
        debug: env.boolean("DEBUG", { default: false }),
        dbPassword: env.secret("DB_PASSWORD"),
        token: env.secret("TOKEN", { optional: true }),
        cache: env.url("CACHE_URL", { optional: true }),
      },
      { env: { AWS_REGION: "eu-west-1", DB_PASSWORD: value } },
    );
    const dump = describeConfig(config);
    expect(dump).toEqual({
      region: "eu-west-1",
      turns: 3,
      debug: false,
      dbPassword: "[REDACTED]",
      token: null,
      cache: null,
    });
    expect(JSON.stringify(dump)).not.toContain(value);
    expect(Object.isFrozen(dump)).toBe(true);
  });

  it("hides credentials inside URLs and plain strings under secret-named keys", () => {
    const config = loadConfig(
      { redis: env.url("REDIS_URL"), apiKey: env.string("PLAIN_API_KEY") },
      { env: { REDIS_URL: "redis://worker:s3cr3t-pass@redis:6379/0", PLAIN_API_KEY: "plain-key-value" } },
    );
    expect(describeConfig(config)).toEqual({
      redis: "redis://worker:[REDACTED]@redis:6379/0",
      apiKey: "[REDACTED]",
    });
  });

  it("accepts any object, including one built by hand", () => {
    expect(describeConfig({ key: new Secret("hand-made-secret"), n: 1 })).toEqual({
      key: "[REDACTED]",
      n: 1,
    });
  });
});
