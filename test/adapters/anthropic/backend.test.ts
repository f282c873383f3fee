import { describe, expect, it } from "vitest";
import {
  AnthropicAdapter,
  DEFAULT_ANTHROPIC_MODEL,
  DEFAULT_BEDROCK_MODEL,
  defaultAnthropicModel,
  resolveAnthropicBackend,
  toAnthropicModelName,
  toBedrockModelId,
} from "../../../src/adapters/anthropic/index.js";
import { WinkError } from "../../../src/errors.js";

describe("resolveAnthropicBackend", () => {
  it.each([
    ["no variables", {}, undefined, { kind: "anthropic" }],
    ["the flag alone", { CLAUDE_CODE_USE_BEDROCK: "1" }, undefined, { kind: "anthropic" }],
    ["a region alone", { AWS_REGION: "us-east-1" }, undefined, { kind: "anthropic" }],
    [
      "flag and AWS_REGION",
      { CLAUDE_CODE_USE_BEDROCK: "1", AWS_REGION: "us-east-1" },
      undefined,
      { kind: "bedrock", region: "us-east-1" },
    ],
    [
      "flag and AWS_DEFAULT_REGION",
      { CLAUDE_CODE_USE_BEDROCK: "1", AWS_DEFAULT_REGION: "eu-west-1" },
      undefined,
      { kind: "bedrock", region: "eu-west-1" },
    ],
    [
      "AWS_REGION over AWS_DEFAULT_REGION",
      { CLAUDE_CODE_USE_BEDROCK: "1", AWS_REGION: "us-west-2", AWS_DEFAULT_REGION: "eu-west-1" },
      undefined,
      { kind: "bedrock", region: "us-west-2" },
    ],
    [
      "a flag other than 1",
      { CLAUDE_CODE_USE_BEDROCK: "true", AWS_REGION: "us-east-1" },
      undefined,
      { kind: "anthropic" },
    ],
    ["a blank region", { CLAUDE_CODE_USE_BEDROCK: "1", AWS_REGION: " " }, undefined, { kind: "anthropic" }],
    [
      "bedrock: false over the env",
      { CLAUDE_CODE_USE_BEDROCK: "1", AWS_REGION: "us-east-1" },
      false,
      { kind: "anthropic" },
    ],
    [
      "bedrock: true with AWS_REGION",
      { AWS_REGION: "us-east-2" },
      true,
      { kind: "bedrock", region: "us-east-2" },
    ],
    [
      "bedrock: { region } over the env",
      { AWS_REGION: "us-east-2" },
      { region: "ap-south-1" },
      { kind: "bedrock", region: "ap-south-1" },
    ],
    [
      "bedrock: {} falls back to the env",
      { AWS_DEFAULT_REGION: "eu-central-1" },
      {},
      { kind: "bedrock", region: "eu-central-1" },
    ],
  ] as const)("%s", (_name, env, bedrock, expected) => {
    expect(resolveAnthropicBackend(env, bedrock)).toEqual(expected);
  });

  it("names the missing variable when Bedrock is forced without a region", () => {
    const err = (() => {
      try {
        return resolveAnthropicBackend({ CLAUDE_CODE_USE_BEDROCK: "1" }, true);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(WinkError);
    expect(err).toMatchObject({ code: "invalid_config" });
    expect((err as Error).message).toMatch(/AWS_REGION \(or AWS_DEFAULT_REGION\)/);
  });

  it("reads process.env by default", () => {
    expect(["anthropic", "bedrock"]).toContain(resolveAnthropicBackend().kind);
  });
});

describe("default models", () => {
  it("is Sonnet 4.5 under the backend's naming", () => {
    expect(defaultAnthropicModel({})).toBe("claude-sonnet-4-6");
    expect(defaultAnthropicModel({ CLAUDE_CODE_USE_BEDROCK: "1", AWS_REGION: "us-east-1" })).toBe(
      "us.anthropic.claude-sonnet-4-6",
    );
    expect(defaultAnthropicModel({ CLAUDE_CODE_USE_BEDROCK: "1" })).toBe(DEFAULT_ANTHROPIC_MODEL);
    expect(typeof defaultAnthropicModel()).toBe("string");
  });

  it("gives the adapter its default model and backend", () => {
    const bedrock = new AnthropicAdapter({
      env: { CLAUDE_CODE_USE_BEDROCK: "1", AWS_REGION: "us-east-1" },
      client: fakeClient(),
    });
    expect(bedrock.model).toBe(DEFAULT_BEDROCK_MODEL);
    expect(bedrock.backend).toEqual({ kind: "bedrock", region: "us-east-1" });
    const anthropic = new AnthropicAdapter({ env: { CLAUDE_CODE_USE_BEDROCK: "1" } });
    expect(anthropic.model).toBe(DEFAULT_ANTHROPIC_MODEL);
    expect(anthropic.backend).toEqual({ kind: "anthropic" });
    expect(new AnthropicAdapter({ env: {}, model: "claude-x" }).model).toBe("claude-x");
  });

  it("fails at construction when Bedrock is forced without a region", () => {
    expect(() => new AnthropicAdapter({ env: {}, bedrock: true })).toThrow(/AWS_REGION/);
  });
});

describe("model id translation", () => {
  it("maps Anthropic names to Bedrock ids and back", () => {
    expect(toBedrockModelId("claude-sonnet-4-6")).toBe(DEFAULT_BEDROCK_MODEL);
    expect(toBedrockModelId("claude-sonnet-4-5-20250929")).toBe(
      "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    );
    expect(toBedrockModelId("claude-sonnet-4-6", "global")).toBe("global.anthropic.claude-sonnet-4-6");
    expect(toBedrockModelId("claude-opus-4-5-20251101", "eu")).toBe(
      "eu.anthropic.claude-opus-4-5-20251101-v1:0",
    );
    expect(toBedrockModelId(DEFAULT_BEDROCK_MODEL)).toBe(DEFAULT_BEDROCK_MODEL);
    expect(toAnthropicModelName(DEFAULT_BEDROCK_MODEL)).toBe(DEFAULT_ANTHROPIC_MODEL);
    expect(toAnthropicModelName("anthropic.claude-3-haiku-20240307-v1:0")).toBe("claude-3-haiku-20240307");
    expect(toAnthropicModelName("claude-x")).toBe("claude-x");
  });
});

function fakeClient() {
  return { messages: { create: () => Promise.reject(new Error("unused")) } };
}
