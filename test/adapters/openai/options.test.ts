/** Configuration checks and error classification of the OpenAI adapter. */
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
  RateLimitError,
} from "openai";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  OpenAIAdapter,
  type OpenAIAdapterOptions,
  OpenAIDriver,
} from "../../../src/adapters/openai/index.js";
import { classifyOpenAIError, describeOpenAIError } from "../../../src/adapters/openai/shared.js";
import { WinkError } from "../../../src/errors.js";
import { redactText } from "../../../src/secrets/index.js";
import { API_KEY } from "./fixtures.js";

function configError(options: OpenAIAdapterOptions): WinkError {
  try {
    new OpenAIAdapter(options);
  } catch (error) {
    expect(error).toBeInstanceOf(WinkError);
    expect((error as WinkError).code).toBe("invalid_config");
    return error as WinkError;
  }
  throw new Error("expected the options to be rejected");
}

const base = { model: "gpt-test", clientOptions: { apiKey: API_KEY } };

describe("OpenAIAdapter options", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("defaults to the Responses API and names itself openai", () => {
    const adapter = new OpenAIAdapter(base);
    expect(adapter.name).toBe("openai");
    expect(adapter.api).toBe("responses");
    expect(adapter.model).toBe("gpt-test");
    expect(adapter.client.maxRetries).toBe(0);
  });

  it.each<[string, Partial<OpenAIAdapterOptions>, string]>([
    ["an empty model", { model: "  " }, "option model"],
    ["an unknown api", { api: "completions" as never }, "option api"],
    ["a temperature above 2", { temperature: 3 }, "option temperature"],
    ["a fractional maxOutputTokens", { maxOutputTokens: 1.5 }, "option maxOutputTokens"],
    ["zero maxTurns", { maxTurns: 0 }, "option maxTurns"],
    ["negative maxRepairs", { maxRepairs: -1 }, "option maxRepairs"],
    ["a non-boolean stream", { stream: "yes" as never }, "option stream"],
    ["a bad throttle", { throttle: { maxAttempts: 0 } }, "option throttle"],
    ["a relative baseURL", { clientOptions: { apiKey: API_KEY, baseURL: "/v1" } }, "clientOptions.baseURL"],
    ["a zero timeout", { clientOptions: { apiKey: API_KEY, timeout: 0 } }, "clientOptions.timeout"],
  ])("rejects %s, naming the option", (_label, options, named) => {
    expect(configError({ ...base, ...options }).message).toContain(named);
  });

  it("rejects a missing options object", () => {
    expect(configError(undefined as never).message).toContain("options object");
  });

  it("rejects an empty API key without echoing anything", () => {
    const error = configError({ model: "m", clientOptions: { apiKey: "" } });
    expect(error.message).toContain("clientOptions.apiKey");
  });

  it("rejects client and clientOptions together", () => {
    const client = new OpenAI({ apiKey: API_KEY });
    expect(configError({ model: "m", client, clientOptions: {} }).message).toContain("not both");
  });

  it("says how to supply a key when none is configured", () => {
    vi.stubEnv("OPENAI_API_KEY", undefined);
    const error = configError({ model: "m" });
    expect(error.message).toContain("OPENAI_API_KEY");
  });

  it("registers the key as a secret so redaction removes it anywhere", () => {
    const key = "plainkeywithoutanyknownprefix42";
    new OpenAIAdapter({ model: "m", clientOptions: { apiKey: key } });
    expect(redactText(`key is ${key}`)).not.toContain(key);
  });

  it("exposes the driver for callers running the shared loop themselves", () => {
    const driver = new OpenAIDriver({ ...base, api: "chat" });
    expect(driver).toMatchObject({ name: "openai", model: "gpt-test", api: "chat" });
  });
});

describe("OpenAI error classification", () => {
  const headers = new Headers({ "retry-after": "3" });

  it("retries rate limits with the provider's retry-after", () => {
    const error = new RateLimitError(429, { message: "slow down" }, undefined, headers);
    expect(classifyOpenAIError(error, 0)).toEqual({
      retry: true,
      kind: "rate_limit",
      status: 429,
      retryAfterMs: 3000,
    });
  });

  it("retries connection failures and timeouts, never a user abort", () => {
    expect(classifyOpenAIError(new APIConnectionError({ message: "reset" }), 0)).toEqual({
      retry: true,
      kind: "connection",
    });
    expect(classifyOpenAIError(new APIConnectionTimeoutError(), 0)).toEqual({ retry: true, kind: "timeout" });
    expect(classifyOpenAIError(new APIUserAbortError(), 0)).toEqual({ retry: false });
  });

  it("describes SDK errors by the provider message and anything else by its text, redacted", () => {
    const error = new RateLimitError(429, { message: `quota for ${API_KEY}` }, undefined, headers);
    expect(describeOpenAIError(error)).toEqual({ message: "quota for [REDACTED]", status: 429 });
    expect(describeOpenAIError(new APIConnectionError({ message: "socket hang up" }))).toEqual({
      message: "socket hang up",
      status: undefined,
    });
    expect(describeOpenAIError(new Error(`boom ${API_KEY}`)).message).not.toContain(API_KEY);
  });
});
