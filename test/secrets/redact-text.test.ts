import { describe, expect, it } from "vitest";
import { clearRegisteredSecrets, redactText, registerSecret } from "../../src/secrets/index.js";

// Fake credentials in each real format; none of them is live.
const SAMPLES = {
  openai: "sk-Abcdefghij1234567890KLMNOPQRSTUV",
  openaiProject: "sk-proj-Abc123_Def456-Ghi789Jkl012Mno345",
  anthropic: "sk-ant-api03-Abc123Def456Ghi789Jkl012Mno345Pqr678-xyzAA",
  awsAccessKeyId: "AKIAIOSFODNN7EXAMPLE",
  awsSessionKeyId: "ASIAY34FZKBOKMUTVV7A",
  awsSecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  githubPat: "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
  githubOAuth: "gho_16C7e42F292c6912E7710c838347Ae178B4a",
  githubServer: "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
  githubFineGrained: "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
  slack: "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp",
  jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
} as const;

describe("redactText value patterns", () => {
  it.each(Object.entries(SAMPLES))("redacts a %s anywhere in the text", (_kind, secret) => {
    expect(redactText(`before ${secret} after`)).toBe("before [REDACTED] after");
    expect(redactText(`(${secret})`)).toBe("([REDACTED])");
  });

  it("redacts a Bearer token and keeps the word", () => {
    expect(redactText("header Bearer abc.DEF-123_456~xyz== sent")).toBe("header Bearer [REDACTED] sent");
    expect(redactText("bearer abcdefgh1234")).toBe("bearer [REDACTED]");
  });

  it("redacts the password of a URL and keeps the user and host", () => {
    expect(redactText("connect https://deploy:s3cr3t@git.example.com/repo.git now")).toBe(
      "connect https://deploy:[REDACTED]@git.example.com/repo.git now",
    );
    expect(redactText("redis://default:p@ss@cache:6379/0")).toBe("redis://default:[REDACTED]@cache:6379/0");
  });

  it.each([
    ["api_key=abc123", "api_key=[REDACTED]"],
    ["apiKey: abc123", "apiKey: [REDACTED]"],
    ["password: hunter2 then more", "password: [REDACTED] then more"],
    ["PASSWORD=hunter2", "PASSWORD=[REDACTED]"],
    ['{"client_secret": "abc def"}', '{"client_secret": "[REDACTED] def"}'],
    ['{"client_secret":"abc"}', '{"client_secret":"[REDACTED]"}'],
    [
      "https://api.example.com/x?access_token=abc123&page=2",
      "https://api.example.com/x?access_token=[REDACTED]&page=2",
    ],
    ["Authorization: Basic dXNlcjpwYXNz", "Authorization: [REDACTED]"],
    ["x-api-key: k-123", "x-api-key: [REDACTED]"],
    ["db.password='abc'", "db.password='[REDACTED]'"],
  ])("redacts the value of a secret-named pair in %j", (input, output) => {
    expect(redactText(input)).toBe(output);
  });

  it("does not redact the same value twice", () => {
    expect(redactText("token=[REDACTED]")).toBe("token=[REDACTED]");
  });

  it("combines with the Bearer rule without leaking the token", () => {
    const out = redactText("Authorization: Bearer abcdefghijklmnop");
    expect(out).not.toContain("abcdefghijklmnop");
    expect(out.startsWith("Authorization: ")).toBe(true);
  });
});

describe("redactText false-positive guards", () => {
  it.each([
    ["a git SHA", "commit 3f786850e387550fdab836ed7e6dc881de23001b merged"],
    ["a UUID", "request 123e4567-e89b-12d3-a456-426614174000 done"],
    ["token counts", "inputTokens=1200 outputTokens=300 totalTokens=1500 max_tokens: 4096"],
    ["token usage", "token_usage={input: 3}"],
    ["a 40-char path", "/home/User1/Projects/something2/src/index"],
    ["a stack frame", "    at handler (file:///app/src/main.ts:10:5)"],
    ["a URL without credentials", "https://example.com:8443/path?q=1"],
    ["an email address", "mail ada@example.com about https://example.com"],
    ["prose with 'bearer'", "the bearer of bad news"],
    ["words ending in sk-", "task-runner-for-the-whole-team and risk-assessment-of-it"],
    ["a short string", "abc"],
    ["an AWS account id", "arn:aws:iam::123456789012:role/worker"],
    ["an ISO timestamp", "at 2025-01-01T00:00:00.000Z"],
  ])("leaves %s alone", (_kind, text) => {
    expect(redactText(text)).toBe(text);
  });
});

describe("redactText nested pairs", () => {
  it("finds a secret pair inside the value of an ordinary pair", () => {
    expect(redactText("next=https://host/cb?access_token=abc123")).toBe(
      "next=https://host/cb?access_token=[REDACTED]",
    );
  });
});

describe("redactText cost", () => {
  it("handles long adversarial strings quickly", () => {
    const inputs = [
      "a:".repeat(50_000),
      `${"A".repeat(100_000)}=`,
      "x".repeat(100_000),
      "sk-".repeat(30_000),
    ];
    const started = performance.now();
    for (const input of inputs) redactText(input);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe("credentials in URLs (review fixes)", () => {
  it.each([
    ["redis://:Sup3rS3cretPw@redis:6379/0?queue=r", "redis://:[REDACTED]@redis:6379/0?queue=r"],
    ["rediss://:p@ss@host", "rediss://:[REDACTED]@host"],
    ["redis://u:pa#ss@host:1/0", "redis://u:[REDACTED]@host:1/0"],
  ])("redacts the password of %s", (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });
});

describe("redactText on ids", () => {
  it("leaves UUIDs and lower-case hex as they are, but still hides a registered secret in one", () => {
    const id = "676b0162-2cf7-4486-97c1-f883bb3d1744";
    expect(redactText(id)).toBe(id);
    expect(redactText("0123456789abcdef0123456789abcdef01234567")).toBe(
      "0123456789abcdef0123456789abcdef01234567",
    );
    registerSecret("f883bb3d1744");
    try {
      expect(redactText(id)).toBe("676b0162-2cf7-4486-97c1-[REDACTED]");
    } finally {
      clearRegisteredSecrets();
    }
  });

  it("still applies the patterns to mixed-case hex", () => {
    // 40 characters, 22 distinct, mixed case: random-looking enough for the AWS secret-key rule,
    // which lower-case hex (16 distinct at most) never meets.
    expect(redactText("AbCdEf0123456789aBcDeF0123456789ABCDEFab")).toBe("[REDACTED]");
  });
});
