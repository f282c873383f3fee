import { afterEach, describe, expect, it } from "vitest";
import { clearRegisteredSecrets, redact, redactText, registerSecret } from "../../src/secrets/index.js";

afterEach(() => clearRegisteredSecrets());

describe("registered secrets", () => {
  it("redacts every occurrence of a registered value", () => {
    registerSecret("tr0ub4dor");
    expect(redactText("tr0ub4dor and tr0ub4dor again")).toBe("[REDACTED] and [REDACTED] again");
  });

  it("redacts registered values inside nested structures", () => {
    registerSecret("db-pass-42");
    expect(redact({ conn: ["host=db user=app pw db-pass-42"] })).toEqual({
      conn: ["host=db user=app pw [REDACTED]"],
    });
  });

  it("ignores values shorter than four characters", () => {
    expect(registerSecret("abc")).toBe(false);
    expect(redactText("abc abc")).toBe("abc abc");
  });

  it("registers the trimmed form of a value read from a secret file", () => {
    expect(registerSecret("file-secret-value\n")).toBe(true);
    expect(redactText("using file-secret-value.")).toBe("using [REDACTED].");
  });

  it("reports a value registered twice as not new", () => {
    expect(registerSecret("same-value")).toBe(true);
    expect(registerSecret("same-value")).toBe(false);
  });

  it("ignores values that are part of the replacement text", () => {
    expect(registerSecret("REDACTED")).toBe(false);
  });

  it("ignores non-string values from untyped callers", () => {
    expect(registerSecret(undefined as unknown as string)).toBe(false);
  });

  it("replaces a longer secret whole even when it contains a shorter one", () => {
    registerSecret("abcd");
    registerSecret("abcdefgh");
    expect(redactText("x abcdefgh y")).toBe("x [REDACTED] y");
  });

  it("does not let a replacement join two halves into the secret", () => {
    registerSecret("D]xx");
    expect(redactText("aD]xxxx")).not.toContain("D]xx");
  });

  it("forgets everything on clearRegisteredSecrets", () => {
    registerSecret("forget-me");
    clearRegisteredSecrets();
    expect(redactText("forget-me")).toBe("forget-me");
  });
});

describe("redaction cache", () => {
  it("re-redacts a cached string once a new secret is registered", () => {
    const text = "connecting with zq-custom-credential-77";
    expect(redactText(text)).toBe(text);
    registerSecret("zq-custom-credential-77");
    expect(redactText(text)).toBe("connecting with [REDACTED]");
    clearRegisteredSecrets();
    expect(redactText(text)).toBe(text);
  });
});
