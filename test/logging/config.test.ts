import { afterEach, describe, expect, it } from "vitest";
import { isWinkError, WinkError } from "../../src/errors.js";
import { configureLogging, getLogger, parseLogLevel, resetLogging } from "../../src/logging/index.js";
import { captureLogs } from "./capture.js";

afterEach(() => resetLogging());

function configError(fn: () => unknown): WinkError {
  try {
    fn();
  } catch (error) {
    if (isWinkError(error, "invalid_config")) return error;
    throw error;
  }
  throw new Error("expected an invalid_config error");
}

const sink = { write: () => undefined };

describe("level filtering", () => {
  it("drops records below the threshold and keeps those at or above it", () => {
    const logs = captureLogs({ level: "warning" });
    const log = getLogger("tests.config");
    log.info("cfg.info", "dropped");
    log.warning("cfg.warning", "kept");
    log.critical("cfg.critical", "kept");
    expect(logs.records().map((r) => r.event)).toEqual(["cfg.warning", "cfg.critical"]);
  });

  it("defaults to INFO when neither the argument nor the environment sets a level", () => {
    const logs = captureLogs();
    const log = getLogger("tests.config");
    log.debug("cfg.debug", "dropped");
    log.info("cfg.info", "kept");
    expect(logs.records().map((r) => r.event)).toEqual(["cfg.info"]);
  });

  it("reports enabled levels through isEnabled", () => {
    captureLogs({ level: "error" });
    const log = getLogger("tests.config");
    expect(log.isEnabled("warning")).toBe(false);
    expect(log.isEnabled("error")).toBe(true);
  });

  it("treats NOTSET as everything, including trace", () => {
    const logs = captureLogs({ level: "NOTSET" });
    getLogger("tests.config").trace("cfg.trace", "kept");
    expect(logs.records()).toHaveLength(1);
  });
});

describe("level names", () => {
  it.each([
    ["TRACE", "trace"],
    ["debug", "debug"],
    ["Info", "info"],
    ["WARNING", "warning"],
    ["warn", "warning"],
    ["ERROR", "error"],
    ["critical", "critical"],
    ["FATAL", "critical"],
    ["notset", "trace"],
    [" info ", "info"],
  ])("reads %j as %s", (name, level) => {
    expect(parseLogLevel(name, "test")).toBe(level);
  });

  it("names the argument, the bad value and the allowed names for an unknown level argument", () => {
    const error = configError(() => configureLogging({ level: "loud", destination: sink }));
    expect(error.message).toContain("configureLogging({ level })");
    expect(error.message).toContain('"loud"');
    expect(error.message).toMatch(/TRACE.*DEBUG.*INFO.*WARNING.*ERROR.*CRITICAL.*NOTSET/);
  });

  it("names the variable and the bad value for an unknown WEAKINCENTIVES_LOG_LEVEL", () => {
    const error = configError(() =>
      configureLogging({ env: { WEAKINCENTIVES_LOG_LEVEL: "verbose" }, destination: sink }),
    );
    expect(error.message).toContain("WEAKINCENTIVES_LOG_LEVEL");
    expect(error.message).toContain('"verbose"');
    expect(error.details).toMatchObject({ source: "WEAKINCENTIVES_LOG_LEVEL", value: "verbose" });
  });
});

describe("environment", () => {
  it("reads the level from WEAKINCENTIVES_LOG_LEVEL", () => {
    expect(configureLogging({ env: { WEAKINCENTIVES_LOG_LEVEL: "debug" }, destination: sink }).level).toBe(
      "debug",
    );
  });

  it("lets the level argument win over WEAKINCENTIVES_LOG_LEVEL", () => {
    const env = { WEAKINCENTIVES_LOG_LEVEL: "debug" };
    expect(configureLogging({ level: "error", env, destination: sink }).level).toBe("error");
  });

  it("uses defaultLevel only when neither the argument nor WEAKINCENTIVES_LOG_LEVEL sets one", () => {
    expect(configureLogging({ defaultLevel: "warning", env: {}, destination: sink }).level).toBe("warning");
    const env = { WEAKINCENTIVES_LOG_LEVEL: "debug" };
    expect(configureLogging({ defaultLevel: "warning", env, destination: sink }).level).toBe("debug");
    expect(configureLogging({ defaultLevel: "warning", level: "error", env, destination: sink }).level).toBe(
      "error",
    );
    expect(
      configError(() => configureLogging({ defaultLevel: "loud", env: {}, destination: sink })).message,
    ).toContain("configureLogging({ defaultLevel })");
  });

  it("ignores blank variables", () => {
    const env = { WEAKINCENTIVES_LOG_LEVEL: " ", WEAKINCENTIVES_LOG_FORMAT: "" };
    expect(configureLogging({ env, destination: sink })).toEqual({ level: "info", format: "text" });
  });

  it("selects JSON with WEAKINCENTIVES_LOG_FORMAT=json, case-insensitively", () => {
    const logs = captureLogs({ json: undefined, env: { WEAKINCENTIVES_LOG_FORMAT: "JSON" } });
    getLogger("tests.config").info("cfg.json", "hello");
    expect(logs.only().event).toBe("cfg.json");
  });

  it("selects text with WEAKINCENTIVES_LOG_FORMAT=text", () => {
    const env = { WEAKINCENTIVES_LOG_FORMAT: "Text" };
    expect(configureLogging({ env, destination: sink }).format).toBe("text");
  });

  it("names the variable, the bad value and the allowed formats for an unknown WEAKINCENTIVES_LOG_FORMAT", () => {
    const error = configError(() =>
      configureLogging({ env: { WEAKINCENTIVES_LOG_FORMAT: "yaml" }, destination: sink }),
    );
    expect(error.message).toContain("WEAKINCENTIVES_LOG_FORMAT");
    expect(error.message).toContain('"yaml"');
    expect(error.message).toContain('"json" or "text"');
  });

  it.each([
    ["true", "json"],
    ["1", "json"],
    ["TRUE", "json"],
    ["false", "text"],
    ["0", "text"],
  ])("reads the alias WEAKINCENTIVES_LOG_JSON=%s as %s", (value, format) => {
    const env = { WEAKINCENTIVES_LOG_JSON: value };
    expect(configureLogging({ env, destination: sink }).format).toBe(format);
  });

  it("names the variable and the bad value for an unreadable WEAKINCENTIVES_LOG_JSON", () => {
    const error = configError(() =>
      configureLogging({ env: { WEAKINCENTIVES_LOG_JSON: "yes please" }, destination: sink }),
    );
    expect(error.message).toContain("WEAKINCENTIVES_LOG_JSON");
    expect(error.message).toContain('"yes please"');
    expect(error.message).toContain('"true", "1", "false" or "0"');
  });

  it("lets WEAKINCENTIVES_LOG_FORMAT win over the WEAKINCENTIVES_LOG_JSON alias", () => {
    const env = { WEAKINCENTIVES_LOG_FORMAT: "text", WEAKINCENTIVES_LOG_JSON: "true" };
    expect(configureLogging({ env, destination: sink }).format).toBe("text");
  });

  it("lets the json argument win over the environment", () => {
    const env = { WEAKINCENTIVES_LOG_FORMAT: "text", WEAKINCENTIVES_LOG_JSON: "true" };
    expect(configureLogging({ json: true, env, destination: sink }).format).toBe("json");
    expect(
      configureLogging({ json: false, env: { WEAKINCENTIVES_LOG_FORMAT: "json" }, destination: sink }).format,
    ).toBe("text");
  });

  it("defaults to text", () => {
    expect(configureLogging({ env: {}, destination: sink }).format).toBe("text");
  });
});

describe("late and lazy configuration", () => {
  it("makes loggers created before configureLogging follow the later configuration", () => {
    const early = getLogger("tests.config.early", { bound: true });
    const first = captureLogs({ level: "info" });
    early.debug("cfg.early", "dropped at INFO");
    const second = captureLogs({ level: "debug" });
    early.debug("cfg.early", "kept at DEBUG");
    expect(first.lines).toEqual([]);
    expect(second.only().context).toEqual({ bound: true });
  });

  it("keeps the previous configuration when a new one is invalid", () => {
    const logs = captureLogs({ level: "info" });
    expect(() => configureLogging({ level: "nope", destination: sink })).toThrow(WinkError);
    getLogger("tests.config").info("cfg.kept", "still here");
    expect(logs.records()).toHaveLength(1);
  });
});

describe("lazy configuration in process", () => {
  it("reads process.env on first use when configureLogging was never called", () => {
    resetLogging();
    const previous = process.env.WEAKINCENTIVES_LOG_LEVEL;
    process.env.WEAKINCENTIVES_LOG_LEVEL = "error";
    try {
      const log = getLogger("tests.config.lazy");
      expect(log.isEnabled("warning")).toBe(false);
      expect(log.isEnabled("error")).toBe(true);
    } finally {
      process.env.WEAKINCENTIVES_LOG_LEVEL = previous;
    }
  });
});
