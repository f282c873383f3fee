import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  BadRequestError,
  RateLimitError,
} from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import {
  classifyAnthropicError,
  describeAnthropicError,
  OVERLOADED_STATUS,
} from "../../../src/adapters/anthropic/index.js";
import { API_KEY } from "./fixtures.js";

const NOW = Date.parse("2025-01-01T00:00:00Z");

function apiError(status: number, type: string, message: string, headers: Record<string, string> = {}) {
  return APIError.generate(
    status,
    { type: "error", error: { type, message } },
    undefined,
    new Headers(headers),
  );
}

describe("classifyAnthropicError", () => {
  it("retries 429 honouring Retry-After", () => {
    const err = apiError(429, "rate_limit_error", "slow down", { "retry-after": "3" });
    expect(err).toBeInstanceOf(RateLimitError);
    expect(classifyAnthropicError(err, NOW)).toEqual({
      retry: true,
      kind: "rate_limit",
      status: 429,
      retryAfterMs: 3000,
    });
  });

  it("retries 529 overloaded and 5xx as server errors", () => {
    expect(
      classifyAnthropicError(apiError(OVERLOADED_STATUS, "overloaded_error", "busy"), NOW),
    ).toMatchObject({
      retry: true,
      kind: "server_error",
      status: 529,
    });
    expect(classifyAnthropicError(apiError(503, "api_error", "down"), NOW)).toMatchObject({
      retry: true,
      status: 503,
    });
  });

  it("retries an overloaded_error body whatever the status", () => {
    expect(classifyAnthropicError(apiError(400, "overloaded_error", "busy"), NOW)).toEqual({
      retry: true,
      kind: "server_error",
      status: 400,
    });
    expect(classifyAnthropicError({ type: "overloaded_error" }, NOW)).toEqual({
      retry: true,
      kind: "server_error",
      status: 529,
    });
  });

  it("retries dropped connections and timeouts", () => {
    expect(classifyAnthropicError(new APIConnectionError({ message: "reset" }), NOW)).toEqual({
      retry: true,
      kind: "connection",
    });
    expect(classifyAnthropicError(new APIConnectionTimeoutError(), NOW)).toEqual({
      retry: true,
      kind: "timeout",
    });
  });

  it("does not retry client errors or non-errors", () => {
    expect(classifyAnthropicError(apiError(400, "invalid_request_error", "bad"), NOW)).toEqual({
      retry: false,
    });
    expect(classifyAnthropicError(apiError(401, "authentication_error", "who?"), NOW)).toEqual({
      retry: false,
    });
    expect(classifyAnthropicError("boom", NOW)).toEqual({ retry: false });
    expect(classifyAnthropicError(null, NOW)).toEqual({ retry: false });
  });
});

describe("describeAnthropicError", () => {
  it("gives the error type, the provider message, the request id and the status", () => {
    const err = apiError(400, "invalid_request_error", "max_tokens: too large", { "request-id": "req_123" });
    expect(err).toBeInstanceOf(BadRequestError);
    expect(describeAnthropicError(err)).toEqual({
      status: 400,
      message: "invalid_request_error: max_tokens: too large (request id req_123)",
    });
  });

  it("redacts credentials in every part", () => {
    const described = describeAnthropicError(
      apiError(401, "authentication_error", `invalid x-api-key ${API_KEY}`),
    );
    expect(described.message).not.toContain(API_KEY);
    expect(described.message).toContain("[REDACTED]");
    expect(describeAnthropicError(new Error(`failed with ${API_KEY}`)).message).not.toContain(API_KEY);
    expect(describeAnthropicError(`thrown ${API_KEY}`).message).not.toContain(API_KEY);
  });

  it("reads a raw error body when the SDK fields are missing", () => {
    expect(
      describeAnthropicError({
        status: 418,
        error: { error: { type: "teapot", message: "short and stout" } },
      }),
    ).toEqual({
      status: 418,
      message: "teapot: short and stout",
    });
  });

  it("falls back to the thrown message", () => {
    expect(describeAnthropicError(new APIConnectionError({ message: "socket hang up" }))).toEqual({
      message: "APIConnectionError: socket hang up",
    });
    expect(describeAnthropicError(42)).toEqual({ message: "42" });
  });
});
