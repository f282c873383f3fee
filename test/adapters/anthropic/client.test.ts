import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { BEDROCK_SDK, createAnthropicClient } from "../../../src/adapters/anthropic/client.js";
import { AnthropicAdapter } from "../../../src/adapters/anthropic/index.js";
import { WinkError } from "../../../src/errors.js";
import { Session } from "../../../src/session/index.js";
import { API_KEY, message, textPrompt } from "./fixtures.js";

const BEDROCK = { kind: "bedrock", region: "us-east-1" } as const;

describe("createAnthropicClient", () => {
  it("builds an Anthropic client that never retries, with key and base URL from env", async () => {
    const client = await createAnthropicClient(
      { kind: "anthropic" },
      { timeout: 1234 },
      { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: "http://127.0.0.1:9" },
    );
    expect(client).toBeInstanceOf(Anthropic);
    const sdk = client as Anthropic;
    expect(sdk.maxRetries).toBe(0);
    expect(sdk.timeout).toBe(1234);
    expect(sdk.baseURL).toBe("http://127.0.0.1:9");
    expect(sdk.apiKey).toBe(API_KEY);
  });

  it("prefers explicit client options over env", async () => {
    const client = (await createAnthropicClient(
      { kind: "anthropic" },
      { apiKey: "explicit", baseURL: "http://127.0.0.1:8" },
      { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: "http://127.0.0.1:9" },
    )) as Anthropic;
    expect(client.apiKey).toBe("explicit");
    expect(client.baseURL).toBe("http://127.0.0.1:8");
  });

  it("builds AnthropicBedrock in the selected region without retries", async () => {
    const seen: Record<string, unknown>[] = [];
    class AnthropicBedrock {
      readonly messages = { create: () => Promise.reject(new Error("unused")) };
      constructor(options: Record<string, unknown>) {
        seen.push(options);
      }
    }
    const client = await createAnthropicClient(BEDROCK, { timeout: 5 }, {}, async (name) => {
      expect(name).toBe(BEDROCK_SDK);
      return { AnthropicBedrock };
    });
    expect(client).toBeInstanceOf(AnthropicBedrock);
    expect(seen).toEqual([{ awsRegion: "us-east-1", maxRetries: 0, timeout: 5 }]);
  });

  it("accepts a default export too", async () => {
    class Bedrock {
      readonly messages = { create: () => Promise.reject(new Error("unused")) };
    }
    await expect(
      createAnthropicClient(BEDROCK, {}, {}, async () => ({ default: Bedrock })),
    ).resolves.toBeInstanceOf(Bedrock);
  });

  it("says to install the Bedrock SDK when it is missing", async () => {
    const err = await createAnthropicClient(BEDROCK, {}, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WinkError);
    expect(err).toMatchObject({ code: "invalid_config" });
    expect((err as Error).message).toMatch(/npm install @anthropic-ai\/bedrock-sdk/);
  });

  it("rejects a Bedrock module without the client class", async () => {
    await expect(createAnthropicClient(BEDROCK, {}, {}, async () => ({}))).rejects.toThrow(
      /exports no AnthropicBedrock/,
    );
    await expect(createAnthropicClient(BEDROCK, {}, {}, async () => undefined)).rejects.toThrow(
      /exports no AnthropicBedrock/,
    );
  });
});

describe("AnthropicAdapter on Bedrock", () => {
  it("surfaces the missing Bedrock SDK as a configuration error on evaluate, unwrapped", async () => {
    const adapter = new AnthropicAdapter({ env: { CLAUDE_CODE_USE_BEDROCK: "1", AWS_REGION: "us-east-1" } });
    const err = await adapter.evaluate(textPrompt(), { session: new Session() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "invalid_config" });
    expect((err as Error).message).toMatch(/@anthropic-ai\/bedrock-sdk/);
  });

  it("uses an injected client for Bedrock without loading the Bedrock SDK", async () => {
    const bodies: unknown[] = [];
    const client = {
      messages: {
        create: async (body: Anthropic.MessageCreateParamsNonStreaming) => {
          bodies.push(body);
          return message([{ type: "text", text: "hello", citations: null }]);
        },
      },
    };
    const adapter = new AnthropicAdapter({ bedrock: { region: "eu-west-1" }, env: {}, client });
    const response = await adapter.evaluate(textPrompt(), { session: new Session() });
    expect(response.text).toBe("hello");
    expect(bodies[0]).toMatchObject({ model: "us.anthropic.claude-sonnet-4-6" });
  });
});
