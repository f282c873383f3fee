import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { getLogger, resetLogging } from "../../src/logging/index.js";
import { clearRegisteredSecrets, registerSecret } from "../../src/secrets/index.js";
import { captureLogs } from "./capture.js";

afterEach(() => {
  resetLogging();
  clearRegisteredSecrets();
});

const OPENAI_KEY = "sk-proj-Abc123Def456Ghi789Jkl012";

describe("redaction of records", () => {
  it("redacts a secret in the message", () => {
    const logs = captureLogs();
    getLogger("tests.redact").info("redact.message", `calling with ${OPENAI_KEY}`);
    expect(logs.only().message).toBe("calling with [REDACTED]");
  });

  it("redacts secret-named fields and secrets in strings deep in the context", () => {
    const logs = captureLogs();
    getLogger("tests.redact", { auth: { password: "hunter2" } }).info("redact.context", "deep", {
      request: { headers: { Authorization: "Bearer abcdefghijklmnop", accept: "json" } },
      notes: [`key ${OPENAI_KEY}`],
    });
    expect(logs.only().context).toEqual({
      auth: "[REDACTED]",
      request: { headers: { Authorization: "[REDACTED]", accept: "json" } },
      notes: ["key [REDACTED]"],
    });
  });

  it("redacts secrets in error messages, stacks and causes", () => {
    const logs = captureLogs();
    const error = new Error(`401 for ${OPENAI_KEY}`, { cause: new Error("token=abc123xyz rejected") });
    getLogger("tests.redact").error("redact.error", "failed", { error });
    const line = logs.lines[0] ?? "";
    expect(line).not.toContain(OPENAI_KEY);
    expect(line).not.toContain("abc123xyz");
    const logged = logs.only().context.error as {
      message: string;
      stack: string;
      cause: { message: string };
    };
    expect(logged.message).toBe("401 for [REDACTED]");
    expect(logged.stack).toContain("Error: 401 for [REDACTED]");
    expect(logged.cause.message).toBe("token=[REDACTED] rejected");
  });

  it("redacts registered secrets in text output too", () => {
    const logs = captureLogs({ json: false });
    registerSecret("plain-db-password");
    getLogger("tests.redact").error("redact.text", "connect plain-db-password failed", {
      error: new Error("auth failed for plain-db-password"),
    });
    expect(logs.lines[0]).not.toContain("plain-db-password");
    expect(logs.lines[0]).toContain("connect [REDACTED] failed");
  });

  it("keeps token counts and limits", () => {
    const logs = captureLogs();
    const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15, maxTotalTokens: 100, tokenCount: 3 };
    getLogger("tests.redact").info("redact.usage", "usage", { usage, token_usage: { input: 1 } });
    expect(logs.only().context).toEqual({ usage, token_usage: { input: 1 } });
  });
});

// Characters a secret may use: no JSON structure, quotes or brackets, so an occurrence in the
// output can only come from a string value, and "[REDACTED]" can never complete one.
const SECRET_CHARS = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+=!@#$%^&*()~ "];
const ENVELOPE =
  '{"level":"INFO","timestamp":"2025-01-01T00:00:00.000Z","logger":"tests.property","event":"property.check","context":{},"message":"m"}';
const HOLE = "\u0000HOLE\u0000";

const secretArb = fc
  .string({ unit: fc.constantFrom(...SECRET_CHARS), minLength: 4, maxLength: 40 })
  .filter((s) => s.trim() === s && /[A-Z]/.test(s) && !ENVELOPE.includes(s) && !"[REDACTED]".includes(s));

const textWithHole = fc.tuple(fc.string(), fc.string()).map(([a, b]) => `${a}${HOLE}${b}`);
const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), textWithHole);
const contextArb = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: "small" },
    leaf,
    fc.array(tie("node"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), textWithHole), tie("node"), { maxKeys: 4 }),
  ),
})).node;

function fill(value: unknown, secret: string): unknown {
  if (typeof value === "string") return value.split(HOLE).join(secret);
  if (Array.isArray(value)) return value.map((item) => fill(item, secret));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [fill(k, secret), fill(v, secret)]));
  }
  return value;
}

describe("registered secrets, property", () => {
  it("never writes a registered secret, wherever it sits in the message, context or errors", () => {
    fc.assert(
      fc.property(secretArb, contextArb, textWithHole, fc.boolean(), (secret, context, message, json) => {
        clearRegisteredSecrets();
        registerSecret(secret);
        const logs = captureLogs({ json });
        const filled = fill({ nested: context, error: new Error(message) }, secret) as Record<
          string,
          unknown
        >;
        getLogger("tests.property").info("property.check", fill(message, secret) as string, filled);
        const written = logs.lines.join("");
        expect(written).not.toContain(secret);
        expect(written).not.toContain(JSON.stringify(secret).slice(1, -1));
      }),
      { numRuns: 300 },
    );
  });
});
