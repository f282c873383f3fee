import { describe, expect, it } from "vitest";
import { isSecretKey } from "../../src/secrets/index.js";

describe("isSecretKey", () => {
  it.each([
    "api_key",
    "apiKey",
    "API_KEY",
    "OPENAI_API_KEY",
    "apikey",
    "x-api-key",
    "X-Api-Key",
    "XApiKey",
    "authorization",
    "Proxy-Authorization",
    "password",
    "dbPassword",
    "db.password",
    "passwd",
    "passphrase",
    "secret",
    "client_secret",
    "clientSecret",
    "token",
    "access_token",
    "refreshToken",
    "githubToken",
    "GITHUB_TOKEN",
    "id_token",
    "AWS_SESSION_TOKEN",
    "private_key",
    "privateKey",
    "aws_secret_access_key",
    "AWS_SECRET_ACCESS_KEY",
    "cookie",
    "Set-Cookie",
    "credentials",
    "auth",
    "basic_auth",
    "pass",
    "SecretString",
  ])("treats %j as secret", (name) => {
    expect(isSecretKey(name)).toBe(true);
  });

  it.each([
    "inputTokens",
    "outputTokens",
    "totalTokens",
    "maxTotalTokens",
    "max_tokens",
    "maxToken",
    "total_token",
    "tokenCount",
    "token_count",
    "token_usage",
    "tokenizer",
    "token_type",
    "secretArn",
    "secret_name",
    "private_key_id",
    "aws_access_key_id",
    "passwordRequired_count",
    "author",
    "cookie_name",
    "keyboard",
    "monkey",
    "requestId",
    "",
  ])("treats %j as not secret", (name) => {
    expect(isSecretKey(name)).toBe(false);
  });

  it("gives the same answer the second time, from its cache", () => {
    expect(isSecretKey("someApiKey")).toBe(true);
    expect(isSecretKey("someApiKey")).toBe(true);
  });

  it("keeps answering correctly after its cache fills up", () => {
    for (let i = 0; i < 2_100; i++) isSecretKey(`field_${i}`);
    expect(isSecretKey("githubToken")).toBe(true);
    expect(isSecretKey("field_1")).toBe(false);
  });
});
