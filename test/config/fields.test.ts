import { describe, expect, it } from "vitest";
import { type ConfigError, type ConfigSpec, env, loadConfig } from "../../src/config/index.js";
import { isWinkError } from "../../src/errors.js";

/** The single error line loading `spec` from `vars` produces. */
function problem(spec: ConfigSpec, vars: Record<string, string>): string {
  try {
    loadConfig(spec, { env: vars });
  } catch (error) {
    const issues = (error as ConfigError).issues;
    expect(issues).toHaveLength(1);
    return issues[0]?.message ?? "";
  }
  throw new Error("expected a ConfigError");
}

function load<S extends ConfigSpec>(spec: S, vars: Record<string, string>) {
  return loadConfig(spec, { env: vars });
}

describe("env.string", () => {
  it("reads the value, trimmed", () => {
    expect(load({ v: env.string("NAME") }, { NAME: "  reviews \n" }).v).toBe("reviews");
  });

  it("uses the default when the variable is unset or blank", () => {
    const spec = { v: env.string("NAME", { default: "fallback" }) };
    expect(load(spec, {}).v).toBe("fallback");
    expect(load(spec, { NAME: "   " }).v).toBe("fallback");
  });

  it("gives undefined for an absent optional variable", () => {
    expect(load({ v: env.string("NAME", { optional: true }) }, {}).v).toBeUndefined();
  });

  it("reports a missing required variable with what to set", () => {
    expect(problem({ v: env.string("NAME") }, {})).toBe(
      "NAME is not set: expected a non-empty value. Set NAME.",
    );
    expect(problem({ v: env.string("NAME", { example: "reviews" }) }, {})).toBe(
      'NAME is not set: expected a non-empty value. Set it to a value such as "reviews".',
    );
  });

  it("matches choices ignoring case and returns the listed spelling", () => {
    const spec = { v: env.string("FORMAT", { choices: ["json", "text"] }) };
    expect(load(spec, { FORMAT: "JSON" }).v).toBe("json");
  });

  it("reports a value outside the choices, listing them", () => {
    const spec = { v: env.string("FORMAT", { choices: ["json", "text"], default: "text" }) };
    expect(problem(spec, { FORMAT: "xml" })).toBe(
      'FORMAT="xml": expected one of "json", "text". Set it to one of those, e.g. "text".',
    );
  });

  it("refuses an empty list of choices where the spec is written", () => {
    expect(() => env.string("FORMAT", { choices: [] })).toThrow(/lists no choices/);
  });
});

describe("env.int", () => {
  it("reads whole numbers with a sign", () => {
    expect(load({ v: env.int("N") }, { N: "-3" }).v).toBe(-3);
    expect(load({ v: env.int("N") }, { N: "+25" }).v).toBe(25);
  });

  it("reports text that is not a whole number, with the bound and an example", () => {
    const spec = { v: env.int("AGENT_MAX_TURNS", { default: 25, min: 1 }) };
    for (const bad of ["abc", "2.5", "1e3", "0x10", "25 turns"]) {
      expect(problem(spec, { AGENT_MAX_TURNS: bad })).toBe(
        `AGENT_MAX_TURNS=${JSON.stringify(bad)}: expected an integer >= 1. Set it to a whole number such as 25.`,
      );
    }
  });

  it("reports values outside the range", () => {
    const spec = { v: env.int("HEALTH_PORT", { min: 0, max: 65535 }) };
    expect(problem(spec, { HEALTH_PORT: "70000" })).toBe(
      'HEALTH_PORT="70000": expected an integer from 0 to 65535. Set it to a whole number such as 0.',
    );
    expect(load(spec, { HEALTH_PORT: "65535" }).v).toBe(65535);
  });

  it("describes upper and exclusive bounds", () => {
    expect(problem({ v: env.int("N", { max: 10 }) }, { N: "11" })).toBe(
      'N="11": expected an integer <= 10. Set it to a whole number such as 1.',
    );
    expect(problem({ v: env.int("N", { greaterThan: 0 }) }, { N: "0" })).toBe(
      'N="0": expected an integer > 0. Set it to a whole number such as 1.',
    );
    expect(problem({ v: env.int("N") }, { N: "x" })).toBe(
      'N="x": expected an integer. Set it to a whole number such as 1.',
    );
  });

  it("rejects integers too large to hold exactly", () => {
    expect(problem({ v: env.int("N") }, { N: "9007199254740993" })).toMatch(/^N="9007199254740993"/);
  });
});

describe("env.number", () => {
  it("reads decimals and exponents", () => {
    expect(load({ v: env.number("N") }, { N: "0.25" }).v).toBe(0.25);
    expect(load({ v: env.number("N") }, { N: "1e3" }).v).toBe(1000);
    expect(load({ v: env.number("N") }, { N: ".5" }).v).toBe(0.5);
  });

  it("reports a value at an exclusive bound", () => {
    const spec = { v: env.number("AGENT_MAX_BUDGET_USD", { default: 5, greaterThan: 0 }) };
    expect(problem(spec, { AGENT_MAX_BUDGET_USD: "0" })).toBe(
      'AGENT_MAX_BUDGET_USD="0": expected a number > 0. Set it to a number such as 5.',
    );
  });

  it("combines bounds in the expectation", () => {
    const spec = { v: env.number("RATIO", { greaterThan: 0, max: 1 }) };
    expect(problem(spec, { RATIO: "1.5" })).toBe(
      'RATIO="1.5": expected a number > 0 and <= 1. Set it to a number such as 1.',
    );
  });

  it("rejects text Number() would read surprisingly", () => {
    for (const bad of ["0x10", "Infinity", "1,5", "5$", "1e999"]) {
      expect(problem({ v: env.number("N") }, { N: bad })).toMatch(/expected a number\./);
    }
  });
});

describe("env.boolean", () => {
  it("reads true/false, 1/0 and yes/no in any case", () => {
    const spec = { v: env.boolean("FLAG") };
    for (const yes of ["true", "TRUE", "1", "Yes"]) expect(load(spec, { FLAG: yes }).v).toBe(true);
    for (const no of ["false", "False", "0", "NO"]) expect(load(spec, { FLAG: no }).v).toBe(false);
  });

  it("uses the default when unset", () => {
    expect(load({ v: env.boolean("FLAG", { default: true }) }, {}).v).toBe(true);
  });

  it("reports anything else with the accepted words", () => {
    expect(problem({ v: env.boolean("FLAG", { default: false }) }, { FLAG: "maybe" })).toBe(
      'FLAG="maybe": expected true or false. Set it to true or false (1/0 and yes/no work too, in any case).',
    );
  });
});

describe("env.url", () => {
  it("keeps the URL as written", () => {
    expect(load({ v: env.url("API") }, { API: "https://api.example.com/v1" }).v).toBe(
      "https://api.example.com/v1",
    );
  });

  it("reports text that is not an absolute URL", () => {
    expect(problem({ v: env.url("API") }, { API: "api.example.com" })).toBe(
      'API="api.example.com": expected an absolute URL. Set it to a full URL such as https://example.com.',
    );
  });

  it("limits the scheme when protocols are given", () => {
    const spec = { v: env.url("API", { protocols: ["https", "http:"] }) };
    expect(load(spec, { API: "HTTP://localhost:8080" }).v).toBe("HTTP://localhost:8080");
    expect(problem(spec, { API: "ftp://files" })).toBe(
      'API="ftp://files": expected a URL starting with https:// or http://. Set it to a full URL such as https://example.com.',
    );
  });

  it("never shows the password of a URL in an error", () => {
    const spec = { v: env.url("DB", { protocols: ["postgres"], example: "postgres://db/app" }) };
    expect(problem(spec, { DB: "mysql://app:hunter2-pw@db/app" })).toBe(
      'DB="mysql://app:[REDACTED]@db/app": expected a URL starting with postgres://. Set it to a full URL such as postgres://db/app.',
    );
  });
});

describe("env.custom", () => {
  const csv = (raw: string) => (raw.includes(";") ? undefined : raw.split(",").map((s) => s.trim()));

  it("parses with the given function", () => {
    const spec = { v: env.custom("TAGS", { parse: csv, expected: "a comma list", fix: "Use commas." }) };
    expect(load(spec, { TAGS: "a, b" }).v).toEqual(["a", "b"]);
  });

  it("reports with the given expectation and fix", () => {
    const spec = { v: env.custom("TAGS", { parse: csv, expected: "a comma list", fix: "Use commas." }) };
    expect(problem(spec, { TAGS: "a;b" })).toBe('TAGS="a;b": expected a comma list. Use commas.');
  });

  it("uses the default as given", () => {
    const spec = { v: env.custom("TAGS", { parse: csv, expected: "x", fix: "y", default: ["z"] }) };
    expect(load(spec, {}).v).toEqual(["z"]);
  });
});

describe("mistakes in a spec fail where the spec is written", () => {
  it("refuses a variable name that is not one", () => {
    let error: unknown;
    try {
      env.int("max turns");
    } catch (e) {
      error = e;
    }
    expect(isWinkError(error, "invalid_argument")).toBe(true);
    expect((error as Error).message).toMatch(/"max turns" is not an environment variable name/);
  });

  it("refuses a default that breaks the field's own rule", () => {
    expect(() => env.int("N", { default: 0, min: 1 })).toThrow(
      'The default "0" of N is not an integer >= 1. Change the default or the rule.',
    );
    expect(() => env.url("U", { default: "nope" })).toThrow(/The default "nope" of U/);
  });
});
