import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { ConfigError, describeConfig, env, loadConfig, Secret } from "../../src/config/index.js";
import { configureLogging, getLogger, resetLogging } from "../../src/logging/index.js";
import { clearRegisteredSecrets, redactText } from "../../src/secrets/index.js";

const dir = mkdtempSync(join(tmpdir(), "wink-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  clearRegisteredSecrets();
  resetLogging();
});

function secretFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function issuesOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const VALUE = "sk-test-correct-horse-battery-staple";
const spec = { key: env.secret("ANTHROPIC_API_KEY") };

describe("Secret", () => {
  const secret = new Secret(VALUE);

  it("reveals the value only when asked", () => {
    expect(secret.reveal()).toBe(VALUE);
  });

  it("prints as [REDACTED] through String, template literals, JSON and util.inspect", () => {
    expect(String(secret)).toBe("[REDACTED]");
    expect(`${secret}`).toBe("[REDACTED]");
    expect(JSON.stringify({ secret })).toBe('{"secret":"[REDACTED]"}');
    expect(inspect(secret)).toBe("[REDACTED]");
    expect(inspect({ nested: { secret } }, { depth: 5 })).not.toContain(VALUE);
    expect(Object.keys(secret)).toEqual([]);
    expect({ ...secret }).toEqual({});
  });

  it("registers its value, so redaction finds it in any text", () => {
    const opaque = "Zq9-opaque-hand-made-value";
    expect(redactText(`calling with ${opaque}`)).toBe(`calling with ${opaque}`);
    new Secret(opaque);
    expect(redactText(`calling with ${opaque}`)).toBe("calling with [REDACTED]");
  });

  it("is recognized by isSecret", () => {
    expect(Secret.isSecret(secret)).toBe(true);
    expect(Secret.isSecret(VALUE)).toBe(false);
  });
});

describe("env.secret", () => {
  it("reads the variable into a Secret", () => {
    const config = loadConfig(spec, { env: { ANTHROPIC_API_KEY: VALUE } });
    expect(config.key).toBeInstanceOf(Secret);
    expect(config.key.reveal()).toBe(VALUE);
  });

  it("reads NAME_FILE from a mounted file, dropping the trailing newline", () => {
    const path = secretFile("anthropic", `${VALUE}\n`);
    const config = loadConfig(spec, { env: { ANTHROPIC_API_KEY_FILE: path } });
    expect(config.key.reveal()).toBe(VALUE);
  });

  it("drops a Windows line ending too", () => {
    const path = secretFile("crlf", `${VALUE}\r\n`);
    expect(loadConfig(spec, { env: { ANTHROPIC_API_KEY_FILE: path } }).key.reveal()).toBe(VALUE);
  });

  it("uses the injected readFile when given", () => {
    const config = loadConfig(spec, {
      env: { ANTHROPIC_API_KEY_FILE: "/run/secrets/key" },
      readFile: (path) => (path === "/run/secrets/key" ? `${VALUE}\n` : ""),
    });
    expect(config.key.reveal()).toBe(VALUE);
  });

  it("refuses both NAME and NAME_FILE, saying to set only one", () => {
    const path = secretFile("both", VALUE);
    const error = issuesOf(() =>
      loadConfig(spec, { env: { ANTHROPIC_API_KEY: VALUE, ANTHROPIC_API_KEY_FILE: path } }),
    );
    expect(error.issues).toEqual([
      {
        variable: "ANTHROPIC_API_KEY",
        problem: "conflict",
        message:
          "ANTHROPIC_API_KEY and ANTHROPIC_API_KEY_FILE are both set: expected only one. Unset one of them: " +
          "ANTHROPIC_API_KEY holds the secret itself, ANTHROPIC_API_KEY_FILE the path of a file holding it.",
      },
    ]);
    expect(error.message).not.toContain(VALUE);
  });

  it("reports an unreadable file by variable and path, never by content", () => {
    const path = join(dir, "missing");
    const error = issuesOf(() => loadConfig(spec, { env: { ANTHROPIC_API_KEY_FILE: path } }));
    expect(error.issues[0]).toEqual({
      variable: "ANTHROPIC_API_KEY_FILE",
      problem: "unreadable",
      value: JSON.stringify(path),
      message:
        `ANTHROPIC_API_KEY_FILE=${JSON.stringify(path)}: cannot read the file (ENOENT). ` +
        "Mount the secret at that path and make it readable by this process, or fix ANTHROPIC_API_KEY_FILE.",
    });
  });

  it("does not repeat the text of a read failure, which could quote the file", () => {
    const error = issuesOf(() =>
      loadConfig(spec, {
        env: { ANTHROPIC_API_KEY_FILE: "/x" },
        readFile: () => {
          throw new Error(`parse error near ${VALUE}`);
        },
      }),
    );
    expect(error.message).toContain('ANTHROPIC_API_KEY_FILE="/x": cannot read the file. Mount');
    expect(error.message).not.toContain(VALUE);
  });

  it("reports an empty secret file", () => {
    const path = secretFile("empty", "\n");
    const error = issuesOf(() => loadConfig(spec, { env: { ANTHROPIC_API_KEY_FILE: path } }));
    expect(error.issues[0]?.message).toBe(
      `ANTHROPIC_API_KEY_FILE=${JSON.stringify(path)}: the file is empty. Write the secret into it, or unset ANTHROPIC_API_KEY_FILE.`,
    );
  });

  it("reports a missing required secret, naming both ways to set it", () => {
    const error = issuesOf(() => loadConfig(spec, { env: {} }));
    expect(error.issues[0]?.message).toBe(
      "ANTHROPIC_API_KEY is not set: expected a secret. " +
        "Set ANTHROPIC_API_KEY to the secret, or ANTHROPIC_API_KEY_FILE to the path of a file holding it.",
    );
  });

  it("gives undefined for an absent optional secret", () => {
    expect(loadConfig({ key: env.secret("K", { optional: true }) }, { env: {} }).key).toBeUndefined();
  });

  it("shows only the length of a secret that breaks its rule", () => {
    const short = "short-key-1";
    const field = { key: env.secret("API_KEY", { minLength: 20 }) };
    const fromEnv = issuesOf(() => loadConfig(field, { env: { API_KEY: short } }));
    expect(fromEnv.issues[0]).toMatchObject({ variable: "API_KEY", value: "<redacted, 11 chars>" });
    expect(fromEnv.issues[0]?.message).toBe(
      "API_KEY=<redacted, 11 chars>: expected a secret of at least 20 characters. " +
        "Set API_KEY to the secret, or API_KEY_FILE to the path of a file holding it.",
    );
    const path = secretFile("short", `${short}\n`);
    const fromFile = issuesOf(() => loadConfig(field, { env: { API_KEY_FILE: path } }));
    expect(fromFile.issues[0]?.message).toMatch(
      new RegExp(`^API_KEY_FILE=${JSON.stringify(path)} holds <redacted, 11 chars>: expected a secret`),
    );
    for (const error of [fromEnv, fromFile]) {
      expect(error.message).not.toContain(short);
      expect(JSON.stringify(error.details)).not.toContain(short);
    }
  });
});

describe("a loaded secret never leaks", () => {
  it("is absent from JSON.stringify, String, util.inspect and describeConfig of the config", () => {
    const config = loadConfig(
      { key: env.secret("OPENAI_API_KEY"), model: env.string("MODEL", { default: "m" }) },
      { env: { OPENAI_API_KEY: VALUE } },
    );
    expect(JSON.stringify(config)).toBe('{"key":"[REDACTED]","model":"m"}');
    expect(String(config.key)).toBe("[REDACTED]");
    expect(inspect(config)).not.toContain(VALUE);
    expect(JSON.stringify(describeConfig(config))).not.toContain(VALUE);
  });

  it("is redacted from a log line written after loading", () => {
    const opaque = "Zq9-opaque-db-pass-no-pattern";
    expect(redactText(opaque)).toBe(opaque); // no pattern knows it: only registration can hide it
    const lines: string[] = [];
    configureLogging({ env: {}, json: true, destination: { write: (line: string) => lines.push(line) } });
    loadConfig({ password: env.secret("DB_PASSWORD") }, { env: { DB_PASSWORD: opaque } });
    getLogger("tests.config").info("db.connect", `connecting with ${opaque}`, { dsn: `app/${opaque}@db` });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(opaque);
    expect(lines[0]).toContain("connecting with [REDACTED]");
  });

  it("is redacted from logs even when a file-mounted secret came with its newline", () => {
    const opaque = "Zq9-file-mounted-opaque-value";
    const path = secretFile("mounted", `${opaque}\n`);
    expect(redactText(`value=${opaque}.`)).toContain(opaque);
    loadConfig({ password: env.secret("DB_PASSWORD") }, { env: { DB_PASSWORD_FILE: path } });
    expect(redactText(`value=${opaque}.`)).not.toContain(opaque);
  });

  it("is registered even when another variable fails, so the error can be logged safely", () => {
    const opaque = "Zq9-registered-before-failing";
    expect(() =>
      loadConfig(
        { password: env.secret("DB_PASSWORD"), n: env.int("N") },
        { env: { DB_PASSWORD: opaque, N: "x" } },
      ),
    ).toThrow(ConfigError);
    expect(redactText(opaque)).toBe("[REDACTED]");
  });
});
